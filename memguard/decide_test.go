package memguard

import "testing"

func TestDecideTable(t *testing.T) {
	th := thresholds{soft: 800, softRel: 750, hard: 900, hardRel: 850}
	const hold, cool = 10, 5
	tests := []struct {
		name             string
		cur              State
		inUse            uint64
		held, sinceProbe int64
		want             State
		grant            bool
	}{
		{"normal below soft", StateNormal, 799, 0, 0, StateNormal, false},
		{"normal at soft", StateNormal, 800, 0, 0, StateSoft, false},
		{"normal at hard", StateNormal, 900, 0, 0, StateOpen, false},
		{"normal one under hard", StateNormal, 899, 0, 0, StateSoft, false},
		{"soft at release, held", StateSoft, 750, hold, 0, StateSoft, false},
		{"soft one under release, held", StateSoft, 749, hold, 0, StateNormal, false},
		{"soft one under release, not held", StateSoft, 749, hold - 1, 0, StateSoft, false},
		{"soft at hard", StateSoft, 900, 0, 0, StateOpen, false},
		{"open before cool-down", StateOpen, 880, cool - 1, 0, StateOpen, false},
		{"open at cool-down", StateOpen, 880, cool, 0, StateHalfOpen, true},
		{"open at hard after cool-down", StateOpen, 900, cool, 0, StateOpen, false},
		{"open released, not held", StateOpen, 849, hold - 1, 0, StateHalfOpen, true},
		{"open released, held, to soft", StateOpen, 849, hold, 0, StateSoft, false},
		{"open released, held, to normal", StateOpen, 749, hold, 0, StateNormal, false},
		{"open at hard release, held", StateOpen, 850, hold, 0, StateHalfOpen, true},
		{"half-open probe not due", StateHalfOpen, 880, 7, cool - 1, StateHalfOpen, false},
		{"half-open probe due", StateHalfOpen, 880, 7, cool, StateHalfOpen, true},
		{"half-open re-trip", StateHalfOpen, 900, 100, 100, StateOpen, false},
		{"no limit", StateOpen, 1 << 40, 0, 0, StateNormal, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			th := th
			if tc.name == "no limit" {
				th = thresholds{}
			}
			got, grant := decide(tc.cur, tc.inUse, th, tc.held, tc.sinceProbe, hold, cool)
			if got != tc.want || grant != tc.grant {
				t.Fatalf("decide(%v, %d) = %v, %v; want %v, %v", tc.cur, tc.inUse, got, grant, tc.want, tc.grant)
			}
		})
	}
}
