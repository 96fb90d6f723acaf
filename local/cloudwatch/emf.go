package cloudwatch

// ParseEMF turns one CloudWatch Embedded Metric Format log line into data; ok is false when the
// line is not EMF (not a JSON object with an _aws.CloudWatchMetrics directive).
func ParseEMF(line []byte) (data []Datum, ok bool) {
	return nil, false
}
