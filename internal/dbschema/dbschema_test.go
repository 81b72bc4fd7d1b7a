package dbschema

import (
	"errors"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, ok := range []string{"kith", "_x", "crm_2", "a"} {
		if err := Check(ok); err != nil {
			t.Errorf("Check(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"", "2x", "Kith", `k"; DROP TABLE x; --`, "a.b", "é", string(make([]byte, 64))} {
		if err := Check(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("Check(%q) = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestQualify(t *testing.T) {
	q := "SELECT 1 FROM kith.contacts JOIN kith.groups ON true"
	if got := Qualify(q, Default); got != q {
		t.Errorf("default schema changed the query: %q", got)
	}
	want := `SELECT 1 FROM "crm".contacts JOIN "crm".groups ON true`
	if got := Qualify(q, "crm"); got != want {
		t.Errorf("Qualify = %q, want %q", got, want)
	}
}

func TestName(t *testing.T) {
	if got, err := Name(""); got != Default || err != nil {
		t.Errorf(`Name("") = %q, %v`, got, err)
	}
	if _, err := Name("Bad"); !errors.Is(err, ErrInvalid) {
		t.Errorf(`Name("Bad") = %v, want ErrInvalid`, err)
	}
}
