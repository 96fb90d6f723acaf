package testsvc

import "testing"

// TestCloseNilService: test binaries close their emulators in TestMain whether or not a test
// started them (etl and subscribe start them lazily), so Close on nil must be a no-op.
func TestCloseNilService(t *testing.T) {
	var s *Service
	if err := s.Close(); err != nil {
		t.Fatalf("Close on a nil Service = %v, want nil", err)
	}
}
