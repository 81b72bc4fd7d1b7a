package suggest_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/kithhq/kith/kithtest"
	"github.com/kithhq/kith/memguard"
	"github.com/kithhq/kith/suggest"
)

func TestNewRefusesTypedNil(t *testing.T) {
	db := kithtest.DB(t)
	var nb *memguard.MemoryBreaker
	var ns *suggest.DefaultScorer
	for _, tc := range []struct {
		field string
		cfg   suggest.Config
	}{
		{"Config.Breaker", suggest.Config{Breaker: nb}},
		{"Scorer", suggest.Config{Scorer: ns}},
	} {
		_, err := suggest.New(db, tc.cfg)
		if !errors.Is(err, suggest.ErrInvalid) || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("New(%s typed nil) err = %v; want ErrInvalid naming it", tc.field, err)
		}
	}
}
