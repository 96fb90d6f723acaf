package cloud

import "path/filepath"

// A run directory holds one local cloud at a time. Start takes the directory's lock
// (internal/dirlock on cloud.lock) before it touches anything in it, and the cloud holds it until
// Close or until its process ends. The state file says where a cloud listens; the lock says
// whether it is still there: a pid alone may have been given to another process since (a state
// file left by a SIGKILL, the machine rebooted).

func lockPath(dir string) string { return filepath.Join(dir, "cloud.lock") }
