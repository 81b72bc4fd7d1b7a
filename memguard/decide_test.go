package memguard

import "testing"

func TestDecideTable(t *testing.T) {
	th := thresholds{soft: 800, softRel: 750, hard: 900, hardRel: 850}
	const hold = 10
	tests := []struct {
		name  string
		cur   Level
		inUse uint64
		held  int64
		want  Level
	}{
		{"normal below soft", LevelNormal, 799, 0, LevelNormal},
		{"normal at soft", LevelNormal, 800, 0, LevelSoft},
		{"normal at hard", LevelNormal, 900, 0, LevelHard},
		{"normal one under hard", LevelNormal, 899, 0, LevelSoft},
		{"soft at release, held", LevelSoft, 750, hold, LevelSoft},
		{"soft one under release, held", LevelSoft, 749, hold, LevelNormal},
		{"soft one under release, not held", LevelSoft, 749, hold - 1, LevelSoft},
		{"soft at hard", LevelSoft, 900, 0, LevelHard},
		{"hard below release, not held", LevelHard, 849, hold - 1, LevelHard},
		{"hard released, held, to soft", LevelHard, 849, hold, LevelSoft},
		{"hard released, held, to normal", LevelHard, 749, hold, LevelNormal},
		{"hard at hard release, held", LevelHard, 850, hold, LevelHard},
		{"hard at hard, held", LevelHard, 900, hold, LevelHard},
		{"no limit", LevelHard, 1 << 40, 0, LevelNormal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			th := th
			if tc.name == "no limit" {
				th = thresholds{}
			}
			if got := decide(tc.cur, tc.inUse, th, tc.held, hold); got != tc.want {
				t.Fatalf("decide(%v, %d) = %v; want %v", tc.cur, tc.inUse, got, tc.want)
			}
		})
	}
}

// TestLimitFromCgroup: without GOMEMLIMIT and Config.Limit, the default
// reader's limit is the cgroup's, as memlimit reads it.
func TestLimitFromCgroup(t *testing.T) {
	if softLimitSet(readSoftLimit()) {
		t.Skip("GOMEMLIMIT is set; it takes precedence over the cgroup")
	}
	old := cgroupLimit
	t.Cleanup(func() { cgroupLimit = old })
	cgroupLimit = func() (uint64, error) { return 1 << 50, nil }
	b, err := New(Config{SampleInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	if got := b.limit.Load(); got != 1<<50 {
		t.Fatalf("limit %d, want the cgroup's %d", got, uint64(1<<50))
	}
}
