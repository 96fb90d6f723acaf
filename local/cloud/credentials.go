package cloud

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
	"github.com/chaoslab/serverless-chaos-lab/local/lambda"
	"github.com/chaoslab/serverless-chaos-lab/local/sfn"
)

// Credentials and principals.
//
// Each start makes a key for the user (Credentials: an AKIA... access key id and a 40-character
// secret), writes it 0600 into the run directory (the state file, and Dir/credentials in the AWS
// shared credentials format) and nowhere else; `chaoslab local env` prints it (ClientEnv) and
// RemoteDeploy's callers read it from the state file. The gateway accepts no other long-term key.
// The key stands for the account itself (PrincipalAccount), as the user of a real account does.
//
// The cloud's own calls are signed too, each as the principal that makes it in AWS, with a
// temporary key (ASIA..., with a session token) per principal:
//
//	a function's calls                  its execution role (Function.Role), in its sandbox's env
//	Step Functions' aws-sdk Tasks       the state machine's role (RoleArn)
//	S3 event notification → SQS         s3.amazonaws.com, the bucket as its source
//	SNS delivery → SQS                  sns.amazonaws.com, the topic as its source
//	event source mapping Receive/Delete the function's execution role (esm.Mapping.Role), as in AWS
//	deploys (template)                  the user's key (PrincipalAccount), as `cdk deploy` is
//
// Calls made in process never pass the gateway; they are authorized where they happen (iam.go):
// S3 → SNS notifications (s3.amazonaws.com against the topic's policy) and EventBridge rules
// starting executions (events.amazonaws.com assuming the target's RoleArn, which must be allowed
// states:StartExecution). The event source mapping's Invoke needs no permission (in AWS neither),
// and the SNS/SQS sampling and topic lookups that go to fauxqs directly are the cloud's own
// (PrincipalInternal).

const (
	// PrincipalAccount is the principal of the user's key: the account.
	PrincipalAccount = "arn:aws:iam::" + AccountID + ":root"
	// PrincipalS3 and PrincipalSNS sign the deliveries those services make to queues.
	PrincipalS3  = "s3.amazonaws.com"
	PrincipalSNS = "sns.amazonaws.com"
	// PrincipalInternal signs the cloud's own calls that have no principal of their own locally.
	PrincipalInternal = "chaoslab.internal"
)

// Credentials are the key a client of the local cloud signs with.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
}

// Credentials is the user's key of this start.
func (c *Cloud) Credentials() Credentials { return c.user }

// Credentials is the user's key of the cloud the state file describes.
func (st State) Credentials() Credentials {
	return Credentials{AccessKeyID: st.AccessKeyID, SecretAccessKey: st.SecretAccessKey}
}

// Env is the environment a client process needs to use the local cloud.
func (c *Cloud) Env() []string { return ClientEnv(c.endpoint, c.user) }

// ClientEnv is the environment for a client of the local cloud at endpoint signing with creds.
// AWS_SESSION_TOKEN is set empty: a token left in the user's shell from a real AWS session would
// otherwise be sent with the local key, and refused, as AWS refuses it.
func ClientEnv(endpoint string, creds Credentials) []string {
	return []string{
		"AWS_ENDPOINT_URL=" + endpoint,
		"AWS_REGION=" + Region,
		"AWS_DEFAULT_REGION=" + Region,
		"AWS_ACCESS_KEY_ID=" + creds.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + creds.SecretAccessKey,
		"AWS_SESSION_TOKEN=",
	}
}

// Config is an SDK config for the local cloud, signing with the user's key.
func (c *Cloud) Config() aws.Config { return ClientConfig(c.endpoint, c.user) }

// ClientConfig is an SDK config whose every client talks to the local cloud at endpoint.
func ClientConfig(endpoint string, creds Credentials) aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, ""),
		BaseEndpoint: aws.String(endpoint),
	}
}

// makeKeys makes this start's keys and writes the user's into Dir/credentials (0600).
func (c *Cloud) makeKeys() error {
	c.keys = gateway.NewKeyStore()
	k := c.keys.NewKey(PrincipalAccount)
	c.user = Credentials{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey}
	body := fmt.Sprintf("# the local cloud's key, made at its start (pid %d); valid until it stops\n[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n",
		os.Getpid(), k.AccessKeyID, k.SecretAccessKey)
	path := credentialsPath(c.opts.Dir)
	tmp := path + ".tmp"
	os.Remove(tmp)
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("cloud: credentials file: %w", err)
	}
	_, err = f.WriteString(body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return fmt.Errorf("cloud: credentials file: %w", err)
	}
	return nil
}

func credentialsPath(dir string) string { return filepath.Join(dir, "credentials") }

// as is an SDK config signing with principal's session key, for the cloud's own calls: they reach
// the gateway in this process (gateway.InProcessClient), verified and authorized as any other.
func (c *Cloud) as(principal string) aws.Config {
	k := c.keys.SessionKey(principal)
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider(k.AccessKeyID, k.SecretAccessKey, k.SessionToken),
		BaseEndpoint: aws.String(c.endpoint),
		HTTPClient:   c.gw.InProcessClient(),
	}
}

// roleCredentials gives a sandbox its function's role's session key (Lambda's Credentials hook): a
// session of the role named after the function, as Lambda's, so that a denial names
// arn:aws:sts::<account>:assumed-role/<role>/<function>.
func (c *Cloud) roleCredentials(f lambda.Function) (lambda.Credentials, error) {
	if f.Role == "" {
		return lambda.Credentials{}, fmt.Errorf("function %s has no Role", f.Name)
	}
	k := c.keys.RoleSessionKey(f.Role, f.Name)
	return lambda.Credentials{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey, SessionToken: k.SessionToken}, nil
}

// sdkCallers are the Step Functions SDK callers, one per principal (a state machine's role).
type sdkCallers struct {
	mu sync.Mutex
	m  map[string]*sfn.SDKCaller
}

// callTask answers an aws-sdk Task as the state machine's role, through the gateway.
func (c *Cloud) callTask(ctx context.Context, service, action string, params json.RawMessage) (json.RawMessage, error) {
	principal := ""
	if task, ok := sfn.TaskFromContext(ctx); ok {
		principal = c.machineRole(task.ExecutionArn)
	}
	if principal == "" {
		return nil, &sfn.TaskError{Name: "States.Runtime", Fatal: true,
			Cause: "the state machine has no role (RoleArn): its aws-sdk Tasks cannot call " + service + ":" + action}
	}
	c.callers.mu.Lock()
	if c.callers.m == nil {
		c.callers.m = map[string]*sfn.SDKCaller{}
	}
	caller := c.callers.m[principal]
	if caller == nil {
		caller = sfn.NewSDKCaller(c.as(principal))
		c.callers.m[principal] = caller
	}
	c.callers.mu.Unlock()
	return caller.Call(ctx, service, action, params)
}

// machineRole is the RoleArn of the state machine an execution belongs to, asked of the Step
// Functions service in process (DescribeStateMachine); "" if unknown.
func (c *Cloud) machineRole(executionArn string) string {
	// arn:aws:states:<region>:<account>:execution:<machine>:<name>
	parts := strings.Split(executionArn, ":")
	if len(parts) < 8 || parts[5] != "execution" {
		return ""
	}
	machine := strings.Join(parts[:5], ":") + ":stateMachine:" + parts[6]
	body, _ := json.Marshal(map[string]string{"stateMachineArn": machine})
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	req.Header.Set("X-Amz-Target", "AWSStepFunctions.DescribeStateMachine")
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	rec := httptest.NewRecorder()
	c.sfn.Handler().ServeHTTP(rec, req)
	var out struct {
		RoleArn string `json:"roleArn"`
	}
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &out) != nil {
		return ""
	}
	return out.RoleArn
}
