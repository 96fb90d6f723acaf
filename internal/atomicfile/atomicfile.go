// Package atomicfile writes a file whole or not at all: into a temporary file beside it, renamed over
// it once written, so that a reader (or a process killed mid-write) never finds half a file: a
// summary.json that lab-compare cannot read, a journal cut short.
package atomicfile

import (
	"os"
	"path/filepath"
)

// WriteFile writes data to path as os.WriteFile does, through a temporary file in path's directory
// that replaces path when it is complete (a regular file, or none yet). On an error path is left as it was and the temporary file
// is removed. It guards against the writer being stopped, not against the machine losing power
// (no fsync).
func WriteFile(path string, data []byte, perm os.FileMode) error {
	// A path that is not a regular file (a symbolic link, /dev/stdout) is written through, as
	// os.WriteFile does: renaming over it would replace the link or the device node itself.
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return os.WriteFile(path, data, perm)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, perm)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
