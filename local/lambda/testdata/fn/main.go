// Command fn is the test function for local/lambda: a real aws-lambda-go bootstrap whose behaviour is
// chosen by the payload, so the tests exercise the Runtime API exactly as a deployed function does.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type request struct {
	Action string `json:"action"` // echo, error, sleep, crash, crash-leaving-child, emf, env, log, bytes, arn, late-init-error
	Ms     int    `json:"ms"`
	Lines  int    `json:"lines"` // log: how many times Value is printed; bytes: the response's size
	Key    string `json:"key"`
	Value  string `json:"value"`
}

type response struct {
	Action    string `json:"action"`
	Value     string `json:"value,omitempty"`
	RequestID string `json:"requestId"`
	Pid       int    `json:"pid"`
	Deadline  int64  `json:"deadlineMs"`
}

func handle(ctx context.Context, req request) (any, error) {
	lc, _ := lambdacontext.FromContext(ctx)
	dl, _ := ctx.Deadline()
	out := response{Action: req.Action, RequestID: lc.AwsRequestID, Pid: os.Getpid(), Deadline: dl.UnixMilli()}
	fmt.Println("handling", req.Action)
	switch req.Action {
	case "echo":
		out.Value = req.Value
	case "env":
		out.Value = os.Getenv(req.Key)
	case "clientcontext":
		out.Value = lc.ClientContext.Custom[req.Key]
	case "arn":
		out.Value = lc.InvokedFunctionArn
	case "bytes":
		// A response of exactly Lines bytes: aws-lambda-go sends a reader's bytes as they are.
		return strings.NewReader(strings.Repeat("x", req.Lines)), nil
	case "late-init-error":
		// /runtime/init/error after init is over: the value is the Runtime API's answer.
		resp, err := http.Post("http://"+os.Getenv("AWS_LAMBDA_RUNTIME_API")+"/2018-06-01/runtime/init/error",
			"application/json", strings.NewReader(`{"errorMessage":"late","errorType":"Late"}`))
		if err != nil {
			return out, err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		out.Value = strconv.Itoa(resp.StatusCode) + " " + string(b)
	case "error":
		return out, errors.New("boom: " + req.Value)
	case "sleep":
		time.Sleep(time.Duration(req.Ms) * time.Millisecond)
	case "crash":
		os.Exit(3)
	case "crash-leaving-child":
		// A process the function started holds its stdout and stderr past the runtime's exit.
		child := exec.Command("sleep", "30")
		child.Stdout, child.Stderr = os.Stdout, os.Stderr
		if err := child.Start(); err != nil {
			return out, err
		}
		fmt.Println("started child", child.Process.Pid)
		os.Exit(3)
	case "spawn":
		// A process the function starts and leaves running; its pid is the value.
		child := exec.Command("sleep", "60")
		if err := child.Start(); err != nil {
			return out, err
		}
		out.Value = strconv.Itoa(child.Process.Pid)
	case "log":
		for range req.Lines {
			fmt.Println(req.Value)
		}
	case "emf":
		fmt.Printf(`{"_aws":{"Timestamp":%d,"CloudWatchMetrics":[{"Namespace":"Test","Dimensions":[["Fn"]],"Metrics":[{"Name":"Hits","Unit":"Count"}]}]},"Fn":"x","Hits":2}`+"\n", time.Now().UnixMilli())
	}
	return out, nil
}

func main() {
	// FN_INIT_MS: a slow init (a cold start the tests can act during).
	if ms, err := strconv.Atoi(os.Getenv("FN_INIT_MS")); err == nil {
		fmt.Printf("init: sleeping %d ms\n", ms)
		time.Sleep(time.Duration(ms) * time.Millisecond)
	}
	lambda.Start(handle)
}
