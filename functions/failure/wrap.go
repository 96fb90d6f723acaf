package failure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"syscall"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/functions/failure/faultconfig"
)

// Wrap returns h with the invocation-level faults of i's config applied around it. Before h, in
// config order (failure-lambda 1.0's injection order for a 1.0 config: latency, timeout,
// diskspace, denylist, statuscode, exception): latency without targets (delay), timeout (wait
// until the deadline minus the buffer), diskspace (fill the temp dir), exception (fail without
// running h), statuscode (answer without running h). After h, when it succeeded: corruption
// (replace or mangle its response). Each fault fires only when its match conditions hold for the
// event (see faultconfig.Event) and its dice hit.
//
// Before those it rolls the dice of the invocation-scoped SDK-level faults (the top-level
// failure-lambda 0.x fault, a 1.0 denylist, faults with "scope": "invocation") and passes the
// decision to h in ctx: the SDK calls h makes with ctx (or a context derived from it) are faulted
// all or none, as failure-lambda does. It also refreshes the config when its TTL has passed, so
// SDK calls of the invocation see the current config without waiting. A nil i returns h unchanged.
func Wrap[In, Out any](i *Injector, h func(context.Context, In) (Out, error)) func(context.Context, In) (Out, error) {
	if i == nil {
		return h
	}
	return func(ctx context.Context, in In) (Out, error) {
		s := i.current(ctx)
		if !s.invocation && !s.dice {
			if i.filled.Load() {
				i.clearDisk(ctx)
			}
			return h(ctx, in)
		}
		active := i.active(s)
		var ev faultconfig.Event
		if s.match && active {
			ev = readEvent(ctx, i, s, in)
		}
		if s.dice && active {
			ctx = i.withDecision(ctx, s, ev)
		}
		status, err := i.before(ctx, s, ev)
		if err != nil {
			var zero Out
			return zero, err
		}
		if status != nil {
			if out, ok := withStatusCode[Out](status.StatusCode, status.Format == FormatFlags); ok {
				return out, nil
			}
			var zero Out
			return zero, &InjectedError{Mode: ModeStatusCode, Msg: fmt.Sprintf("injected status code %d", status.StatusCode)}
		}
		out, err := h(ctx, in)
		if err != nil || !s.post || !active {
			return out, err
		}
		return corrupt(ctx, i, s, ev, out), nil
	}
}

// statusAnswer is the statuscode fault that answers the invocation.
type statusAnswer struct {
	StatusCode int
	Format     Format
}

// readEvent decodes the invocation's input for match conditions. An input that does not encode
// as JSON matches no condition (logged once per config).
func readEvent[In any](ctx context.Context, i *Injector, s *snapshot, in In) faultconfig.Event {
	var b []byte
	var err error
	if raw, ok := any(in).([]byte); ok {
		b = raw
	} else {
		b, err = json.Marshal(in)
	}
	var ev faultconfig.Event
	if err == nil {
		ev, err = faultconfig.ReadEvent(b)
	}
	if err != nil && s.eventLog.CompareAndSwap(false, true) {
		i.log.ErrorContext(ctx, "match: cannot read the invocation's event as JSON; faults with match conditions do not fire",
			"parameter", i.param, "version", s.version, "error", err.Error())
	}
	return ev
}

// matches reports whether f's match conditions hold for ev. On an SQS event a condition whose
// path starts at Records (the envelope, as a 1.0 config for another event source might read it),
// or at a member no record has (an API Gateway event's), never holds, since paths read each
// record there: logged once per config.
func (i *Injector) matches(ctx context.Context, s *snapshot, f *Fault, ev faultconfig.Event) bool {
	if len(f.Match) == 0 {
		return true
	}
	if f.Matches(ev) {
		return true
	}
	if ev.SQS() {
		for _, c := range f.Match {
			if c.NeverOnSQS() && s.envelopeLog.CompareAndSwap(false, true) {
				i.log.ErrorContext(ctx, "match: on an SQS event paths read each record (body decoded), not the event, and no record has this path's first member: this condition never holds; write e.g. body.Records.0.s3.object.key",
					"parameter", i.param, "version", s.version, "mode", string(f.Mode), "condition", c.String())
			}
		}
	}
	return false
}

// before applies the invocation-level faults of s that precede the handler. It returns a status
// code to answer with instead of running the handler, or an error to fail the invocation with.
func (i *Injector) before(ctx context.Context, s *snapshot, ev faultconfig.Event) (status *statusAnswer, err error) {
	if !i.active(s) {
		if i.filled.Load() {
			i.clearDisk(ctx)
		}
		return nil, nil
	}
	// The diskspace faults fill one file, the size of the largest that fires; it is written at
	// the place of the first diskspace fault in the order, and removed when none fires.
	disk, diskAt := 0, -1
	var diskFault *Fault
	for n := range s.cfg.Faults {
		f := &s.cfg.Faults[n]
		if f.Mode != ModeDiskSpace {
			continue
		}
		if diskAt < 0 {
			diskAt = n
		}
		if i.matches(ctx, s, f, ev) && i.fires(f) && f.DiskSpaceMB > disk {
			disk, diskFault = f.DiskSpaceMB, f
		}
	}
	if diskAt < 0 && i.filled.Load() {
		i.clearDisk(ctx)
	}
	for n := range s.cfg.Faults {
		f := &s.cfg.Faults[n]
		if n == diskAt {
			switch {
			case disk > 0 && i.dryRun:
				i.wouldInject(ctx, diskFault, "mb", disk)
			case disk > 0:
				i.fillDisk(ctx, disk)
			case i.filled.Load():
				i.clearDisk(ctx)
			}
			continue
		}
		if f.SDKLevel() || f.Mode == ModeDiskSpace || f.Mode == ModeCorruption {
			continue
		}
		if !i.matches(ctx, s, f, ev) || !i.fires(f) {
			continue
		}
		if i.dryRun {
			i.wouldInject(ctx, f)
			continue
		}
		switch f.Mode {
		case ModeLatency:
			d := i.latency(f)
			i.injected(ctx, f.Mode, "latency_ms", d.Milliseconds())
			if err := sleep(ctx, d); err != nil {
				return nil, fmt.Errorf("injected latency of %s: %w", d, err)
			}
		case ModeTimeout:
			deadline, ok := ctx.Deadline()
			if !ok {
				if s.deadlineLog.CompareAndSwap(false, true) {
					i.log.WarnContext(ctx, "timeout fault: the invocation has no deadline; nothing injected", "parameter", i.param)
				}
				continue
			}
			// The real clock: the deadline is Lambda's, in wall time (Options.Now is for the
			// config's own clock: TTL and expiry).
			d := max(0, time.Until(deadline)-f.TimeoutBuffer)
			i.injected(ctx, f.Mode, "sleep_ms", d.Milliseconds(), "buffer_ms", f.TimeoutBuffer.Milliseconds())
			if f.TimeoutBuffer <= 0 {
				// No buffer: the invocation ends at its deadline, whichever of two timers fires first.
				<-ctx.Done()
				return nil, fmt.Errorf("injected timeout of %s: %w", d, ctx.Err())
			}
			if err := sleep(ctx, d); err != nil {
				return nil, fmt.Errorf("injected timeout of %s: %w", d, err)
			}
		case ModeException:
			i.injected(ctx, f.Mode, "message", f.ExceptionMsg)
			return nil, &InjectedError{Mode: f.Mode, Msg: f.ExceptionMsg}
		case ModeStatusCode:
			i.injected(ctx, f.Mode, "status", f.StatusCode)
			return &statusAnswer{StatusCode: f.StatusCode, Format: s.cfg.Format}, nil
		}
	}
	return nil, nil
}

// withStatusCode returns an Out carrying code, as failure-lambda answers {statusCode: code}: a
// struct (or pointer to one) with an integer StatusCode field, such as
// events.APIGatewayProxyResponse, or a map with string keys (key "statusCode"). ok is false
// for any other Out. With full, also 1.0's body {"message":"Injected status code <code>"} and
// header Content-Type: application/json (src/failures/statuscode.ts), where Out has a string
// Body (map key "body") and a map[string]string Headers (map key "headers").
func withStatusCode[Out any](code int, full bool) (out Out, ok bool) {
	body := fmt.Sprintf(`{"message":"Injected status code %d"}`, code)
	headers := map[string]string{"Content-Type": "application/json"}
	v := reflect.ValueOf(&out).Elem()
	target := v
	if v.Kind() == reflect.Pointer && v.Type().Elem().Kind() == reflect.Struct {
		target = reflect.New(v.Type().Elem()).Elem()
	}
	switch target.Kind() {
	case reflect.Struct:
		f := target.FieldByName("StatusCode")
		if !f.IsValid() || !f.CanSet() {
			return out, false
		}
		switch f.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			f.SetInt(int64(code))
		default:
			return out, false
		}
		if full {
			if b := target.FieldByName("Body"); b.IsValid() && b.CanSet() && b.Kind() == reflect.String {
				b.SetString(body)
			}
			if h := target.FieldByName("Headers"); h.IsValid() && h.CanSet() && h.Type() == reflect.TypeOf(headers) {
				h.Set(reflect.ValueOf(headers))
			}
		}
		if v.Kind() == reflect.Pointer {
			v.Set(target.Addr())
		}
		return out, true
	case reflect.Map:
		t := target.Type()
		if t.Key().Kind() != reflect.String {
			return out, false
		}
		val := reflect.ValueOf(code)
		if !val.Type().AssignableTo(t.Elem()) {
			return out, false
		}
		m := reflect.MakeMap(t)
		m.SetMapIndex(reflect.ValueOf("statusCode").Convert(t.Key()), val)
		if full {
			for k, x := range map[string]any{"body": body, "headers": headers} {
				if xv := reflect.ValueOf(x); xv.Type().AssignableTo(t.Elem()) {
					m.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), xv)
				}
			}
		}
		v.Set(m)
		return out, true
	}
	return out, false
}

// DiskFileName is the file a diskspace fault writes in the temp dir. One file, rewritten to the
// configured size: unlike failure-lambda, which adds a new file per invocation until /tmp is full
// and never removes them, the fill is bounded by diskSpace and undone as soon as the fault is off.
//
// The temp dir is os.TempDir(): TMPDIR, which the local Lambda points at each sandbox's own 0700
// directory (Lambda's /tmp); /tmp when unset. The file is opened with O_CREATE|O_EXCL|O_NOFOLLOW
// after anything by that name is removed, so a link planted there is never followed: the fill
// writes only its own new file, inside the temp dir, and at most MaxDiskSpaceMB (10 GiB, Lambda's
// largest /tmp and failure-lambda 1.0's limit).
const DiskFileName = "failure-injection-diskspace.fill"

var zeroMiB = make([]byte, 1<<20)

// diskBytes is the fill's size: mb MiB, within 1..MaxDiskSpaceMB whatever the configuration said.
func diskBytes(mb int) int64 {
	return int64(min(max(mb, 0), MaxDiskSpaceMB)) << 20
}

// fillDisk makes the diskspace file mb MiB long, writing real zeros (a sparse file would take
// no space). A full disk is the fault's aim, so ENOSPC ends the fill without error.
func (i *Injector) fillDisk(ctx context.Context, mb int) {
	i.diskMu.Lock()
	defer i.diskMu.Unlock()
	i.filled.Store(true)
	name := filepath.Join(i.tempDir, DiskFileName)
	want := diskBytes(mb)
	if st, err := os.Lstat(name); err == nil && st.Mode().IsRegular() && st.Size() == want {
		i.injected(ctx, ModeDiskSpace, "file", name, "mb", mb, "written_mb", 0)
		return
	}
	// Whatever is there (an older fill of another size, or a link) goes; a new file takes its place.
	if err := os.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
		i.log.Error("diskspace fault: cannot replace file", "file", name, "error", err.Error())
		return
	}
	f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		i.log.Error("diskspace fault: cannot create file", "file", name, "error", err.Error())
		return
	}
	var written int64
	for written < want && ctx.Err() == nil {
		n, err := f.Write(zeroMiB[:min(int64(len(zeroMiB)), want-written)])
		written += int64(n)
		if err != nil {
			break // most likely ENOSPC: the disk is full, which is the point
		}
	}
	_ = f.Close()
	i.injected(ctx, ModeDiskSpace, "file", name, "mb", mb, "written_mb", written>>20)
}

// clearDisk removes the diskspace file.
func (i *Injector) clearDisk(ctx context.Context) {
	i.diskMu.Lock()
	defer i.diskMu.Unlock()
	name := filepath.Join(i.tempDir, DiskFileName)
	if err := os.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
		i.log.ErrorContext(ctx, "diskspace fault: cannot remove file", "file", name, "error", err.Error())
		return
	}
	i.filled.Store(false)
}
