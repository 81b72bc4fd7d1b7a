package memguard_test

import (
	"errors"
	"testing"

	"github.com/kithhq/kith/memguard"
)

func TestNewAdaptiveRefusesTypedNil(t *testing.T) {
	var nb *memguard.MemoryBreaker
	if _, err := memguard.NewAdaptive(nb, memguard.AdaptiveConfig{}); !errors.Is(err, memguard.ErrInvalid) {
		t.Fatalf("NewAdaptive(typed nil) err = %v; want ErrInvalid", err)
	}
}
