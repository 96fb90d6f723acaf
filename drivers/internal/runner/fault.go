package runner

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// FaultOff is what a rollback writes to the fault parameter, the seed's initial value.
const FaultOff = `{"isEnabled": false}`

// SwitchOff writes FaultOff to the fault parameter name, the last resort when an experiment's
// own rollback may not run (an interrupted run, `chaoslab rollback`). It returns the
// parameter's new version.
func SwitchOff(ctx context.Context, c *ssm.Client, name string) (int64, error) {
	out, err := c.PutParameter(ctx, &ssm.PutParameterInput{
		Name: aws.String(name), Value: aws.String(FaultOff), Type: ssmtypes.ParameterTypeString, Overwrite: aws.Bool(true),
	})
	if err != nil {
		return 0, fmt.Errorf("put parameter %s: %w", name, err)
	}
	return out.Version, nil
}
