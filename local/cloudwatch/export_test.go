package cloudwatch

import "time"

// SetClock sets the store's clock, for the tests of package cloudwatch_test: PutMetricData
// takes timestamps near now only, and GetMetricData rounds StartTime by its age.
func (s *Store) SetClock(now func() time.Time) { s.now = now }
