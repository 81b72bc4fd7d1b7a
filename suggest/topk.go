package suggest

import (
	"bytes"
	"math"
	"slices"

	"github.com/kithhq/kith/contacts"
)

// A candidate is a scored contact. last is the last contact in Unix
// nanoseconds, math.MinInt64 for never contacted, so that "older first"
// needs no pointer chasing.
type candidate struct {
	score float64
	last  int64
	c     contacts.MinimalContact
}

func newCandidate(c contacts.MinimalContact, score float64) candidate {
	last := int64(math.MinInt64)
	if c.LastContactDate != nil {
		last = c.LastContactDate.UnixNano()
	}
	return candidate{score: score, last: last, c: c}
}

// better is the ranking's total order: higher score first, then the older
// last contact (never contacted before any date), then the smaller contact
// ID. Two distinct contacts are never equal, so the top K is unique.
func better(a, b *candidate) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	if a.last != b.last {
		return a.last < b.last
	}
	return bytes.Compare(a.c.ID[:], b.c.ID[:]) < 0
}

// topK keeps the best k candidates seen, in O(k) memory: a binary min-heap
// whose root is the worst kept candidate. It is not safe for concurrent
// use. container/heap is not used because its interface boxes every push.
type topK struct {
	k int
	h []candidate
}

func newTopK(k int) *topK { return &topK{k: k, h: make([]candidate, 0, min(k, 1024))} }

// admits reports whether c would be kept if pushed now. Since the
// threshold only rises, a candidate it refuses would be refused later too.
func (t *topK) admits(c *candidate) bool {
	return t.k > 0 && (len(t.h) < t.k || better(c, &t.h[0]))
}

// push offers c; it is kept if it is among the best k so far.
func (t *topK) push(c *candidate) {
	if !t.admits(c) {
		return
	}
	if len(t.h) < t.k {
		t.h = append(t.h, *c)
		t.up(len(t.h) - 1)
		return
	}
	t.h[0] = *c
	t.down(0)
}

func (t *topK) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !better(&t.h[p], &t.h[i]) { // parent is worse or equal: heap holds
			break
		}
		t.h[p], t.h[i] = t.h[i], t.h[p]
		i = p
	}
}

func (t *topK) down(i int) {
	n := len(t.h)
	for {
		worst := i
		l, r := 2*i+1, 2*i+2
		if l < n && better(&t.h[worst], &t.h[l]) {
			worst = l
		}
		if r < n && better(&t.h[worst], &t.h[r]) {
			worst = r
		}
		if worst == i {
			return
		}
		t.h[i], t.h[worst] = t.h[worst], t.h[i]
		i = worst
	}
}

// sorted returns the kept candidates best first. The heap is consumed.
func (t *topK) sorted() []candidate {
	out := t.h
	t.h = nil
	slices.SortFunc(out, func(a, b candidate) int {
		if better(&a, &b) {
			return -1
		}
		if better(&b, &a) {
			return 1
		}
		return 0
	})
	return out
}
