package memguard

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
)

// ErrAccountClosed is returned by [Account.Grow] after [Account.Close].
var ErrAccountClosed = errors.New("memguard: account closed")

// Budget is a pool of bytes that [Account]s draw from, with a high-water
// mark: explicit accounting in the spirit of CockroachDB's BytesMonitor.
// Unlike a heap reading, it is exact and attributable: each operation's
// Account knows what it holds. A Budget is safe for concurrent use. A nil
// *Budget is valid and unlimited; its accounts only track their own usage.
type Budget struct {
	name  string
	limit int64

	mu         sync.Mutex
	used, peak int64
}

// NewBudget returns a budget of limit bytes; 0 means unlimited (usage and
// the high-water mark are still tracked). A negative limit is an error.
func NewBudget(name string, limit int64) (*Budget, error) {
	if limit < 0 {
		return nil, fmt.Errorf("memguard: NewBudget limit %d: must not be negative", limit)
	}
	return &Budget{name: name, limit: limit}, nil
}

// Name returns the budget's name.
func (b *Budget) Name() string {
	if b == nil {
		return ""
	}
	return b.name
}

// Limit returns the limit in bytes, 0 if unlimited.
func (b *Budget) Limit() int64 {
	if b == nil {
		return 0
	}
	return b.limit
}

// Used returns the bytes currently held by all accounts.
func (b *Budget) Used() int64 {
	if b == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// Peak returns the high-water mark of Used since creation or ResetPeak.
func (b *Budget) Peak() int64 {
	if b == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.peak
}

// ResetPeak sets the high-water mark to the current usage.
func (b *Budget) ResetPeak() {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.peak = b.used
	b.mu.Unlock()
}

func (b *Budget) grow(n int64) error {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if (b.limit > 0 && b.used > b.limit-n) || b.used > math.MaxInt64-n {
		return &BudgetError{Budget: b.name, Requested: n, Used: b.used, Limit: b.limit}
	}
	b.used += n
	b.peak = max(b.peak, b.used)
	return nil
}

func (b *Budget) shrink(n int64) {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
}

// NewAccount returns an empty account drawing from b (a nil b gives an
// unlimited account).
func (b *Budget) NewAccount() *Account { return &Account{budget: b} }

// Account holds bytes drawn from a [Budget] on behalf of one operation or
// data structure. Grow before retaining memory, Shrink when releasing it,
// Close at the end. An Account is safe for concurrent use. A nil *Account is
// a valid no-op: Grow succeeds, usage reads as zero.
type Account struct {
	budget *Budget

	mu         sync.Mutex
	used, peak int64
	closed     bool
}

// Grow reserves n more bytes. It returns a [*BudgetError] (matching
// [ErrBudgetExceeded] and [ErrMemoryPressure]) if the budget cannot supply
// them, [ErrAccountClosed] after Close, and an error for negative n; on
// error nothing is reserved. ctx is reserved for future use (e.g. waiting).
func (a *Account) Grow(ctx context.Context, n int64) error {
	if a == nil {
		return nil
	}
	if n < 0 {
		return fmt.Errorf("memguard: Account.Grow(%d): negative size", n)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return ErrAccountClosed
	}
	if err := a.budget.grow(n); err != nil {
		return err
	}
	a.used += n
	a.peak = max(a.peak, a.used)
	return nil
}

// Shrink releases n bytes. Releasing more than is held releases what is held
// (a caller bug that is clamped rather than corrupting the budget);
// negative n and calls after Close are ignored.
func (a *Account) Shrink(n int64) {
	if a == nil || n <= 0 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return
	}
	n = min(n, a.used)
	a.used -= n
	a.budget.shrink(n)
}

// Used returns the bytes held.
func (a *Account) Used() int64 {
	if a == nil {
		return 0
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.used
}

// Peak returns the high-water mark of Used: the operation's own exact peak.
func (a *Account) Peak() int64 {
	if a == nil {
		return 0
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.peak
}

// Close returns the bytes still held to the budget and reports how many
// there were: a non-zero result means the owner forgot to Shrink (a leak in
// accounting, or memory still legitimately held). Close is idempotent; later
// calls return 0.
func (a *Account) Close() (leftover int64) {
	if a == nil {
		return 0
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return 0
	}
	a.closed = true
	leftover = a.used
	a.budget.shrink(a.used)
	a.used = 0
	return leftover
}

type accountKey struct{}

// ContextWithAccount returns a context carrying a. [Monitor.Wrap] does this
// for the operation's account.
func ContextWithAccount(ctx context.Context, a *Account) context.Context {
	return context.WithValue(ctx, accountKey{}, a)
}

// AccountFrom returns the account carried by ctx, or nil (a valid no-op
// account) if there is none.
func AccountFrom(ctx context.Context) *Account {
	a, _ := ctx.Value(accountKey{}).(*Account)
	return a
}
