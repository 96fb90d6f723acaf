package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// WritableFile checks that a file can be written at path, before the work that ends in writing it
// (minutes of a run, the uploads whose keys a manifest lists): no directory is there, and its
// directory exists and takes a file (one is created and removed). What is at path is not touched.
// The error says why, without the path: the caller names it with its flag.
func WritableFile(path string) error {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return errors.New("is a directory: name a file")
	}
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("directory %s does not exist", dir)
	} else if err == nil && !st.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	f, err := os.CreateTemp(dir, ".chaoslab-write-check-*")
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the check's own file is not the user's: only why
		}
		return fmt.Errorf("directory %s cannot take a file: %w", dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}
