package failure

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
)

// Wrap returns h with the invocation-level faults of i's config applied before h runs, in this
// order: diskspace (fill the temp dir), latency without targets (delay), exception (fail without
// running h), statuscode (answer without running h). Before those it rolls the dice of the
// invocation-scoped SDK-level faults (the top-level failure-lambda fault, faults with "scope":
// "invocation") and passes the decision to h in ctx: the SDK calls h makes with ctx (or a context
// derived from it) are faulted all or none, as failure-lambda does. It also refreshes the config
// when its TTL has passed, so SDK calls of the invocation see the current config without waiting.
// A nil i returns h unchanged.
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
		if s.dice && i.active(s) {
			ctx = i.withDecision(ctx, s)
		}
		status, err := i.before(ctx, s)
		if err != nil {
			var zero Out
			return zero, err
		}
		if status != 0 {
			if out, ok := withStatusCode[Out](status); ok {
				return out, nil
			}
			var zero Out
			return zero, &InjectedError{Mode: ModeStatusCode, Msg: fmt.Sprintf("injected status code %d", status)}
		}
		return h(ctx, in)
	}
}

// before applies the invocation-level faults of s. It returns a status code to answer with
// instead of running the handler, or an error to fail the invocation with.
func (i *Injector) before(ctx context.Context, s *snapshot) (status int, err error) {
	if !i.active(s) {
		if i.filled.Load() {
			i.clearDisk(ctx)
		}
		return 0, nil
	}
	disk := 0
	for n := range s.cfg.Faults {
		f := &s.cfg.Faults[n]
		if f.Mode == ModeDiskSpace && i.fires(f) {
			disk = max(disk, f.DiskSpaceMB)
		}
	}
	if disk > 0 {
		i.fillDisk(ctx, disk)
	} else if i.filled.Load() {
		i.clearDisk(ctx)
	}
	for n := range s.cfg.Faults {
		f := &s.cfg.Faults[n]
		if f.SDKLevel() || f.Mode == ModeDiskSpace || !i.fires(f) {
			continue
		}
		switch f.Mode {
		case ModeLatency:
			d := i.latency(f)
			i.injected(ctx, f.Mode, "latency_ms", d.Milliseconds())
			if err := sleep(ctx, d); err != nil {
				return 0, fmt.Errorf("injected latency of %s: %w", d, err)
			}
		case ModeException:
			i.injected(ctx, f.Mode, "message", f.ExceptionMsg)
			return 0, &InjectedError{Mode: f.Mode, Msg: f.ExceptionMsg}
		case ModeStatusCode:
			i.injected(ctx, f.Mode, "status", f.StatusCode)
			return f.StatusCode, nil
		}
	}
	return 0, nil
}

// withStatusCode returns an Out carrying code, as failure-lambda answers {statusCode: code}: a
// struct (or pointer to one) with an integer StatusCode field, such as
// events.APIGatewayProxyResponse, or a map with string keys (key "statusCode"). ok is false
// for any other Out.
func withStatusCode[Out any](code int) (out Out, ok bool) {
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
		v.Set(m)
		return out, true
	}
	return out, false
}

// DiskFileName is the file a diskspace fault writes in the temp dir. One file, rewritten to the
// configured size: unlike failure-lambda, which adds a new file per invocation until /tmp is full
// and never removes them, the fill is bounded by diskSpace and undone as soon as the fault is off.
const DiskFileName = "failure-injection-diskspace.fill"

var zeroMiB = make([]byte, 1<<20)

// fillDisk makes the diskspace file mb MiB long, writing real zeros (a sparse file would take
// no space). A full disk is the fault's aim, so ENOSPC ends the fill without error.
func (i *Injector) fillDisk(ctx context.Context, mb int) {
	i.diskMu.Lock()
	defer i.diskMu.Unlock()
	i.filled.Store(true)
	name := filepath.Join(i.tempDir, DiskFileName)
	want := int64(mb) << 20
	if st, err := os.Stat(name); err == nil && st.Size() == want {
		i.injected(ctx, ModeDiskSpace, "file", name, "mb", mb, "written_mb", 0)
		return
	}
	f, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
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
