// Command testsummary reads `go test -json` on stdin, prints the tests' output as it comes, then a
// table of tests passed, failed and skipped per package. It exits 1 when a test or package failed,
// and, with CI set, when any test skipped: `make test` runs without -short, so under CI a skip can
// only mean a missing prerequisite or a check that did not run.
//
//	go test -json ./... | go run ./internal/testenv/testsummary
package main

import (
	"fmt"
	"os"

	"github.com/chaoslab/serverless-chaos-lab/internal/testenv"
)

func main() {
	sum, err := testenv.Summarize(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary: reading go test -json:", err)
		os.Exit(1)
	}
	fmt.Println()
	sum.Print(os.Stdout)
	if problems := sum.Problems(testenv.CI()); len(problems) > 0 {
		fmt.Println()
		for _, p := range problems {
			fmt.Println("FAIL:", p)
		}
		os.Exit(1)
	}
}
