package lambda

import (
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Function is one function's configuration, as the template's AWS::Lambda::Function declares it.
type Function struct {
	// Name is the function name (FunctionName). Required.
	Name string
	// Runtime is the template's Runtime. Only OS-only runtimes (provided.al2023, provided.al2,
	// provided) run here: the code directory must hold an executable `bootstrap`.
	Runtime string
	// Handler is passed to the process as _HANDLER, as Lambda does.
	Handler string
	// Role is the execution role's ARN (the template's Role). The sandbox gets credentials of this
	// role (Options.Credentials), so what the function calls is done as the role.
	Role string
	// CodeDir is the directory holding the unzipped code (the cdk.out asset directory). Required.
	CodeDir string
	// Architecture is the template's Architectures[0]: "x86_64" or "arm64". Default: x86_64. The
	// bootstrap's ELF header decides how it runs; a mismatch with this host needs qemu-user-static.
	Architecture string
	// MemoryMB is MemorySize. Default: 128 (the Lambda default). Informational here: it is passed as
	// AWS_LAMBDA_FUNCTION_MEMORY_SIZE and printed in REPORT lines, not enforced (a Go runtime reserves
	// far more address space than it uses, so RLIMIT_AS would kill healthy functions).
	MemoryMB int
	// Timeout is the invocation timeout. Default: 3 s (the Lambda default).
	Timeout time.Duration
	// Environment is Environment.Variables. Lambda's reserved variables override these.
	Environment map[string]string
	// ReservedConcurrency is ReservedConcurrentExecutions; 0 means unreserved, limited by
	// Options.DefaultConcurrency.
	ReservedConcurrency int
	// LogGroup is LoggingConfig.LogGroup, the group Options.Logs puts the function's lines in.
	// Default: /aws/lambda/<Name>, as Lambda's.
	LogGroup string
}

// logGroup is the function's log group.
func (f Function) logGroup() string {
	if f.LogGroup != "" {
		return f.LogGroup
	}
	return "/aws/lambda/" + f.Name
}

// Defaults of the Lambda service.
const (
	defaultMemoryMB = 128
	defaultTimeout  = 3 * time.Second
	// defaultInitTimeout is how long a sandbox may take to reach its first /next (Lambda's 10 s init
	// limit) before its init is tried again within the invocation (Options.InitTimeout).
	defaultInitTimeout = 10 * time.Second
	// drainTimeout is how long an exited runtime's output is read after its process group is killed:
	// only a process that left the group (setsid) can hold the pipes longer.
	drainTimeout = time.Second
	// syncTimeout bounds how long an invocation's log is awaited (syncLogs): the sandbox's output is
	// read as it is printed, so only a log that cannot be written takes longer.
	syncTimeout = time.Second
)

// MaxPayload is Lambda's limit on a synchronous invocation's request: 6 MB ("Request must be
// smaller than 6291456 bytes for the InvokeFunction operation").
const MaxPayload = 6 * 1024 * 1024

// maxResponse is Lambda's limit on a function's response: 100 bytes more than the request's, as
// Lambda's own error says ("Response payload size exceeded maximum allowed payload size (6291556
// bytes).") and the runtime interface emulator declares it (interop.MaxPayloadSize, "6 MiB + 100
// bytes").
const maxResponse = MaxPayload + 100

func (f Function) withDefaults() Function {
	if f.MemoryMB == 0 {
		f.MemoryMB = defaultMemoryMB
	}
	if f.Timeout == 0 {
		f.Timeout = defaultTimeout
	}
	if f.Architecture == "" {
		f.Architecture = "x86_64"
	}
	return f
}

// validate reports every problem with f at once, naming the field.
func (f Function) validate() error {
	var errs []error
	if f.Name == "" {
		errs = append(errs, errors.New("FunctionName: empty"))
	}
	switch f.Runtime {
	case "provided.al2023", "provided.al2", "provided", "":
	default:
		errs = append(errs, fmt.Errorf("Runtime %q: only the OS-only runtimes (provided.al2023, provided.al2) run locally", f.Runtime))
	}
	switch f.Architecture {
	case "x86_64", "arm64":
	default:
		errs = append(errs, fmt.Errorf("Architectures %q: want x86_64 or arm64", f.Architecture))
	}
	if f.Timeout < time.Second || f.Timeout > 900*time.Second {
		errs = append(errs, fmt.Errorf("Timeout %s: Lambda allows 1 to 900 seconds", f.Timeout))
	}
	if f.MemoryMB < 128 || f.MemoryMB > 10240 {
		errs = append(errs, fmt.Errorf("MemorySize %d: Lambda allows 128 to 10240 MB", f.MemoryMB))
	}
	var reserved []string
	for _, k := range reservedEnv {
		if _, ok := f.Environment[k]; ok {
			reserved = append(reserved, k)
		}
	}
	if len(reserved) > 0 {
		errs = append(errs, fmt.Errorf("Environment.Variables: %s reserved by Lambda, which refuses to set them", strings.Join(reserved, ", ")))
	}
	if f.ReservedConcurrency < 0 {
		errs = append(errs, fmt.Errorf("ReservedConcurrentExecutions %d: negative", f.ReservedConcurrency))
	}
	if f.CodeDir == "" {
		errs = append(errs, errors.New("Code: no asset directory"))
	} else if st, err := os.Stat(filepath.Join(f.CodeDir, "bootstrap")); err != nil {
		errs = append(errs, fmt.Errorf("Code: %w", err))
	} else if st.Mode()&0o111 == 0 {
		errs = append(errs, fmt.Errorf("Code: %s is not executable", filepath.Join(f.CodeDir, "bootstrap")))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("function %s: %w", f.Name, err)
	}
	return nil
}

// hostArch is this machine's architecture in Lambda's spelling.
func hostArch() string {
	if runtime.GOARCH == "arm64" {
		return "arm64"
	}
	return "x86_64"
}

// command returns the argv that runs the bootstrap on this host: the binary itself when it is built for
// this host (or is not ELF, e.g. a script), else through qemu-user-static when that is installed.
func command(f Function) ([]string, error) {
	bootstrap := filepath.Join(f.CodeDir, "bootstrap")
	arch := f.Architecture
	if ef, err := elf.Open(bootstrap); err == nil {
		switch ef.Machine {
		case elf.EM_X86_64:
			arch = "x86_64"
		case elf.EM_AARCH64:
			arch = "arm64"
		}
		ef.Close()
	} else {
		return []string{bootstrap}, nil // not ELF: a script with a shebang runs as is
	}
	if arch == hostArch() {
		return []string{bootstrap}, nil
	}
	emulator := "qemu-aarch64-static"
	if arch == "x86_64" {
		emulator = "qemu-x86_64-static"
	}
	path, err := exec.LookPath(emulator)
	if err != nil {
		return nil, fmt.Errorf("function %s: %s is built for %s but this host is %s: synthesize for the host "+
			"(npx cdk synth -c architecture=%s; an app of your own: the function's architecture, "+
			"pipeline.PipelineProps.Architecture with the lab's constructs) or install %s (apt-get install qemu-user-static)",
			f.Name, bootstrap, arch, hostArch(), hostArch(), emulator)
	}
	return []string{path, bootstrap}, nil
}

// sandboxEnv is the credentials, region, endpoint and temporary directory a sandbox gets.
type sandboxEnv struct {
	region, accessKey, secretKey, token, endpoint, tmp string
}

// reservedEnv are the variables Lambda sets and a function's configuration may not (CreateFunction
// refuses them: "Lambda was unable to configure your environment variables because the environment
// variables you have provided contains reserved keys"); LANG, PATH and TZ, which it also sets, are
// not reserved (TZ no longer is) and a configuration may change them.
var reservedEnv = []string{"_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
	"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
	"AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY",
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT",
	"LAMBDA_RUNTIME_DIR", "AWS_LAMBDA_METADATA_API", "AWS_LAMBDA_METADATA_TOKEN", "AWS_LAMBDA_MAX_CONCURRENCY"}

// environ builds the process environment as AWS's "defined runtime environment variables" page has
// it for the OS-only runtimes, the only ones here (so no AWS_EXECUTION_ENV: "not defined for
// OS-only runtimes"): LANG, PATH and TZ as Lambda sets them, then the template's
// variables (which validate has checked hold no reserved key), then Lambda's reserved ones and the
// local cloud's own (its endpoint, the sandbox's TMPDIR: Lambda gives each environment its own
// /tmp). The host environment is not inherited.
func environ(f Function, e sandboxEnv, runtimeAPI string) []string {
	env := map[string]string{"LANG": "en_US.UTF-8", "PATH": "/usr/local/bin:/usr/bin/:/bin:/opt/bin", "TZ": ":UTC"}
	for k, v := range f.Environment {
		env[k] = v
	}
	reserved := map[string]string{
		"AWS_LAMBDA_RUNTIME_API":          runtimeAPI,
		"AWS_LAMBDA_FUNCTION_NAME":        f.Name,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(f.MemoryMB),
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + f.Name,
		"AWS_LAMBDA_LOG_STREAM_NAME":      time.Now().UTC().Format("2006/01/02") + "/[$LATEST]local",
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_REGION":                      e.region,
		"AWS_DEFAULT_REGION":              e.region,
		"AWS_ACCESS_KEY":                  e.accessKey,
		"AWS_ACCESS_KEY_ID":               e.accessKey,
		"AWS_SECRET_ACCESS_KEY":           e.secretKey,
		"_HANDLER":                        f.Handler,
		"LAMBDA_TASK_ROOT":                f.CodeDir,
		"LAMBDA_RUNTIME_DIR":              f.CodeDir,
	}
	if e.endpoint != "" {
		reserved["AWS_ENDPOINT_URL"] = e.endpoint
	}
	if e.token != "" {
		reserved["AWS_SESSION_TOKEN"] = e.token
	}
	if e.tmp != "" {
		reserved["TMPDIR"] = e.tmp
	}
	for k, v := range reserved {
		env[k] = v
	}
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, k+"="+env[k])
	}
	return out
}

func runtimeOr(r string) string {
	if r == "" {
		return "provided.al2023"
	}
	return r
}
