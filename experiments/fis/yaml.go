package fis

import (
	"bytes"
	"fmt"

	"github.com/chaoslab/serverless-chaos-lab/internal/yamljson"
)

// JSON is a template as JSON: data itself when it is JSON (its first character a brace or a
// bracket), else data read as YAML (a SAM or CloudFormation template.yaml, `cdk synth`'s output,
// `aws fis get-experiment-template --output yaml`) with CloudFormation's short tags, by package
// yamljson. Every function of this package that takes a template reads YAML through it; a caller
// that reads the template itself too (its id, say) converts it once here. Scalars are typed as YAML
// types them: the CloudFormation form turns numbers and booleans into the strings FIS takes, the
// API's forms refuse them as FIS does.
func JSON(data []byte) ([]byte, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff")) // a byte-order mark (Windows editors write one) is not the file's
	t := bytes.TrimLeft(data, " \t\r\n")
	if len(t) == 0 || t[0] == '{' || t[0] == '[' {
		return data, nil
	}
	out, err := yamljson.Convert(data, yamljson.CloudFormation)
	if err != nil {
		return nil, fmt.Errorf("%w: read as YAML (it is not JSON): %v", ErrNotTemplate, err)
	}
	return out, nil
}
