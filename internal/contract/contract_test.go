package contract

import "testing"

func TestCheckScenario(t *testing.T) {
	for _, s := range Scenarios() {
		if err := CheckScenario("scenario", s); err != nil {
			t.Errorf("CheckScenario(%q) = %v, want nil", s, err)
		}
	}
	err := CheckScenario("-scenario", "Flawed")
	if err == nil {
		t.Fatal(`CheckScenario("Flawed") = nil, want an error (names are case-sensitive)`)
	}
	if want := `-scenario="Flawed": want one of flawed, resilient`; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}
