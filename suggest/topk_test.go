package suggest

import (
	"context"
	"errors"
	"iter"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/memguard"
	"github.com/kithhq/kith/memguard/memguardtest"
)

var testNow = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

// randomContacts makes n contacts with many ties: last-contact dates come
// from a small set, a fifth were never contacted, every frequency occurs,
// and groups come from a small pool.
func randomContacts(r *rand.Rand, n int, groups []uuid.UUID) []contacts.MinimalContact {
	freqs := append(contacts.Frequencies(), contacts.FrequencyNone)
	out := make([]contacts.MinimalContact, n)
	for i := range out {
		var id uuid.UUID
		for j := range id {
			id[j] = byte(r.IntN(256))
		}
		c := contacts.MinimalContact{ID: id, Name: "c", Frequency: freqs[r.IntN(len(freqs))], Archived: r.IntN(50) == 0}
		if r.IntN(5) > 0 {
			t := testNow.Add(-time.Duration(r.IntN(40)) * 7 * day) // few distinct values: ties
			c.LastContactDate = &t
		}
		for range r.IntN(3) {
			if len(groups) > 0 {
				c.GroupIDs = append(c.GroupIDs, groups[r.IntN(len(groups))])
			}
		}
		out[i] = c
	}
	return out
}

func seqOf(cs []contacts.MinimalContact) iter.Seq2[contacts.MinimalContact, error] {
	return func(yield func(contacts.MinimalContact, error) bool) {
		for _, c := range cs {
			if !yield(c, nil) {
				return
			}
		}
	}
}

// bruteForce sorts every eligible, non-excluded contact and keeps k.
func bruteForce(cs []contacts.MinimalContact, s Scorer, k int, excluded map[uuid.UUID]bool) []candidate {
	var all []candidate
	for _, c := range cs {
		if excluded[c.ID] {
			continue
		}
		if score, ok := s.Score(c, testCal()); ok {
			all = append(all, newCandidate(c, score))
		}
	}
	slices.SortFunc(all, func(a, b candidate) int {
		if better(&a, &b) {
			return -1
		}
		return 1
	})
	return all[:min(k, len(all))]
}

func TestRankMatchesBruteForce(t *testing.T) {
	t.Parallel()
	for seed := range uint64(300) {
		r := rand.New(rand.NewPCG(seed, 7))
		groups := []uuid.UUID{uuid.New(), uuid.New(), uuid.New()}
		cs := randomContacts(r, r.IntN(3000), groups)
		k := 1 + r.IntN(80)
		var scorer Scorer = DefaultScorer{}
		if seed%2 == 0 {
			scorer = DefaultScorer{GroupWeights: map[uuid.UUID]float64{groups[0]: 2, groups[1]: 0.5 + float64(r.IntN(3))}}
		}
		var exclude excludeFunc
		excluded := map[uuid.UUID]bool{}
		if seed%3 == 0 {
			for _, c := range cs {
				if r.IntN(4) == 0 {
					excluded[c.ID] = true
				}
			}
			exclude = func(_ context.Context, ids []uuid.UUID, out map[uuid.UUID]struct{}) error {
				if len(ids) > flushAt {
					t.Fatalf("looked up %d ids at once, more than %d", len(ids), flushAt)
				}
				for _, id := range ids {
					if excluded[id] {
						out[id] = struct{}{}
					}
				}
				return nil
			}
		}
		got, st, err := rank(context.Background(), seqOf(cs), scorer, testCal(), k, exclude, memguard.Nop())
		if err != nil {
			t.Fatal(err)
		}
		want := bruteForce(cs, scorer, k, excluded)
		if len(got) != len(want) {
			t.Fatalf("seed %d: got %d winners, want %d", seed, len(got), len(want))
		}
		for i := range want {
			if got[i].c.ID != want[i].c.ID || got[i].score != want[i].score {
				t.Fatalf("seed %d k %d: winner %d = %s (%v), want %s (%v)", seed, k, i, got[i].c.ID, got[i].score, want[i].c.ID, want[i].score)
			}
		}
		if st.scanned != int64(len(cs)) {
			t.Fatalf("seed %d: scanned %d, want %d", seed, st.scanned, len(cs))
		}
		// Any order of the stream gives the same answer.
		r.Shuffle(len(cs), func(i, j int) { cs[i], cs[j] = cs[j], cs[i] })
		again, _, _ := rank(context.Background(), seqOf(cs), scorer, testCal(), k, exclude, memguard.Nop())
		for i := range want {
			if again[i].c.ID != want[i].c.ID {
				t.Fatalf("seed %d: shuffled stream changed winner %d", seed, i)
			}
		}
	}
}

func TestRankStopsOnStreamError(t *testing.T) {
	boom := errors.New("boom")
	seq := func(yield func(contacts.MinimalContact, error) bool) {
		c := randomContacts(rand.New(rand.NewPCG(1, 1)), 1, nil)[0]
		if yield(c, nil) {
			yield(contacts.MinimalContact{}, boom)
		}
	}
	got, _, err := rank(context.Background(), seq, DefaultScorer{}, testCal(), 5, nil, memguard.Nop())
	if !errors.Is(err, boom) || got != nil {
		t.Fatalf("rank = %v, %v; want nil, boom", got, err)
	}
}

func TestRankBreakerRefusesExclusionLookup(t *testing.T) {
	var b memguardtest.Breaker
	b.SetLevel(memguard.LevelHard)
	cs := randomContacts(rand.New(rand.NewPCG(2, 2)), 100, nil)
	exclude := func(context.Context, []uuid.UUID, map[uuid.UUID]struct{}) error { return nil }
	_, _, err := rank(context.Background(), seqOf(cs), DefaultScorer{}, testCal(), 5, exclude, &b)
	if !errors.Is(err, memguard.ErrMemoryPressure) {
		t.Fatalf("err = %v, want memory pressure", err)
	}
}

// The per-contact path allocates nothing: a run over 20,000 contacts
// allocates no more than a run over 500 (the heap, closures, the sort).
func TestRankDoesNotAllocatePerContact(t *testing.T) {
	g := uuid.New()
	cs := randomContacts(rand.New(rand.NewPCG(3, 3)), 20_000, []uuid.UUID{g})
	scorer := DefaultScorer{GroupWeights: map[uuid.UUID]float64{g: 2}}
	allocs := func(cs []contacts.MinimalContact) float64 {
		seq := seqOf(cs)
		return testing.AllocsPerRun(5, func() {
			if _, _, err := rank(context.Background(), seq, scorer, testCal(), 50, nil, memguard.Nop()); err != nil {
				t.Fatal(err)
			}
		})
	}
	small, large := allocs(cs[:500]), allocs(cs)
	if large > small+1 || large > 30 {
		t.Fatalf("rank made %v allocations over %d contacts and %v over 500; want a constant few", large, len(cs), small)
	}
}

func TestTopKZero(t *testing.T) {
	top := newTopK(0)
	c := newCandidate(contacts.MinimalContact{}, 1)
	top.push(&c)
	if len(top.sorted()) != 0 {
		t.Fatal("k = 0 kept a candidate")
	}
}

// testCal is the UTC calendar at testNow.
func testCal() *Calendar { return NewCalendar(testNow, time.UTC) }
