package browsertest

import (
	"strings"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
)

// consoleError reports an event that is an error a user would see in the console: console.error
// and console.assert calls, uncaught exceptions, and error entries of the browser log (failed
// loads, Content-Security-Policy violations).
func consoleError(ev any) (string, bool) {
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if e.Type != runtime.ConsoleAPICalledTypeError && e.Type != runtime.ConsoleAPICalledTypeAssert {
			return "", false
		}
		var parts []string
		for _, a := range e.Args {
			if a == nil {
				continue
			}
			if a.Description != "" {
				parts = append(parts, a.Description)
			} else {
				parts = append(parts, strings.Trim(string(a.Value), `"`))
			}
		}
		return errorf("console."+string(e.Type), strings.Join(parts, " "), ""), true
	case *runtime.EventExceptionThrown:
		d := e.ExceptionDetails
		if d == nil {
			return "exception", true
		}
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + d.Exception.Description
		}
		return errorf("exception", text, d.URL), true
	case *log.EventEntryAdded:
		if e.Entry == nil || e.Entry.Level != log.EntryLevelError {
			return "", false
		}
		return errorf("log "+string(e.Entry.Source), e.Entry.Text, e.Entry.URL), true
	}
	return "", false
}
