package googlesync

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/api/people/v1"

	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/gsync"
)

// groupFields is the groupFields mask of contactGroups.list.
const groupFields = "groupType,metadata,name"

// groupPageSize is contactGroups.list's page size (its maximum).
const groupPageSize = 1000

// listCall builds one connections.list call of a chain. Every call of a
// chain, and of every chain of one Syncer, sends the same personFields,
// pageSize, sources and requestSyncToken=true; only syncToken (the
// incremental pass's starting token, repeated on each of its pages) and
// pageToken differ.
func listCall(svc *people.Service, pageSize int, syncToken, pageToken string) *people.PeopleConnectionsListCall {
	call := svc.People.Connections.List("people/me").
		PersonFields(PersonFields).
		PageSize(int64(pageSize)).
		Sources(Sources()...).
		RequestSyncToken(true)
	if syncToken != "" {
		call = call.SyncToken(syncToken)
	}
	if pageToken != "" {
		call = call.PageToken(pageToken)
	}
	return call
}

// fetchPage makes one connections.list call (no retry: the caller wraps
// it).
func fetchPage(ctx context.Context, svc *people.Service, pageSize int, syncToken, pageToken string) (*people.ListConnectionsResponse, error) {
	return listCall(svc, pageSize, syncToken, pageToken).Context(ctx).Do()
}

// fetchGroupPage makes one contactGroups.list call.
func fetchGroupPage(ctx context.Context, svc *people.Service, pageToken string) (*people.ListContactGroupsResponse, error) {
	call := svc.ContactGroups.List().GroupFields(groupFields).PageSize(groupPageSize)
	if pageToken != "" {
		call = call.PageToken(pageToken)
	}
	return call.Context(ctx).Do()
}

// fetchedPage is one page of a chain, fetched and mapped ahead of its
// write, or the error that ended the chain.
type fetchedPage struct {
	n        int // 1-based page number in the chain
	page     contacts.GooglePage
	seen     int // people in the page, deleted ones included
	st       mapStats
	last     bool   // no nextPageToken: the chain's last page
	nextPage string // the page token of the page after it
	nextSync string // the last page's nextSyncToken
	retries  int
	fetch    time.Duration // the call, its retries and the mapping
	err      error
}

// fetcher reads one chain's pages in order on a goroutine of its own, one
// page ahead of the writes: while page N is written, page N+1 is fetched
// (after the breaker's check), decoded and mapped, then waits to be taken.
// So at most two pages are in memory, whatever the chain's length. The
// first error (Google's, the breaker's, the context's, each naming the
// page) is handed over in order, after the pages before it, and ends the
// goroutine.
type fetcher struct {
	pages  chan fetchedPage
	cancel context.CancelFunc
	done   chan struct{}
}

// fetchAhead starts reading the chain (incremental from syncToken, full
// when it is ""); pass is the full-pass marker of the pages. Call stop
// when done with it, whatever happened.
func (s *Syncer) fetchAhead(ctx context.Context, svc *people.Service, kind Kind, syncToken string, pass int64, mem *gsync.Peak) *fetcher {
	ctx, cancel := context.WithCancel(ctx)
	f := &fetcher{pages: make(chan fetchedPage), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(f.done)
		pageToken := ""
		for n := 1; ; n++ {
			fp := s.fetchOne(ctx, svc, kind, syncToken, pageToken, n, pass, mem)
			select {
			case f.pages <- fp:
			case <-ctx.Done():
				return
			}
			if fp.err != nil || fp.last {
				return
			}
			pageToken = fp.nextPage
		}
	}()
	return f
}

// next returns the chain's next page, or its error. A cancelled ctx
// returns at once with ctx's error naming page n, the page the pass
// waits for (being fetched, or fetched and waiting).
func (f *fetcher) next(ctx context.Context, n int) fetchedPage {
	select {
	case fp := <-f.pages:
		return fp
	case <-ctx.Done():
		return fetchedPage{n: n, err: gsync.Interrupted(ctx.Err(), fmt.Sprintf("googlesync: connections.list page %d", n))}
	}
}

// stop ends the goroutine (an ongoing call is cancelled) and waits for it
// to be gone.
func (f *fetcher) stop() {
	f.cancel()
	<-f.done
}

// fetchOne checks the breaker, fetches page n of a chain (retried as the
// policy says: the first page of a full pass with the long rate-limit
// delay) and maps it.
func (s *Syncer) fetchOne(ctx context.Context, svc *people.Service, kind Kind, syncToken, pageToken string, n int, pass int64, mem *gsync.Peak) fetchedPage {
	fp := fetchedPage{n: n}
	if err := s.breaker.Check(ctx); err != nil {
		fp.err = gsync.Interrupted(err, fmt.Sprintf("googlesync: memory check before page %d", n))
		return fp
	}
	policy := s.retry
	if kind == Full && n == 1 {
		policy = s.firstPageRetry
	}
	t0 := time.Now()
	resp, retries, err := gsync.Do(ctx, policy, func(ctx context.Context) (*people.ListConnectionsResponse, error) {
		return fetchPage(ctx, svc, s.pageSize, syncToken, pageToken)
	})
	fp.retries = retries
	if err != nil {
		fp.err = gsync.Interrupted(err, fmt.Sprintf("googlesync: connections.list page %d", n))
		return fp
	}
	mem.Sample()
	fp.nextPage, fp.nextSync = resp.NextPageToken, resp.NextSyncToken
	fp.last = fp.nextPage == ""
	if !fp.last && fp.nextPage == pageToken {
		fp.err = fmt.Errorf("%w: page %d repeated its page token", ErrGoogle, n)
		return fp
	}
	if fp.last && fp.nextSync == "" {
		fp.err = errNoSyncToken
		return fp
	}
	live, deleted, st := mapPage(resp.Connections)
	fp.page = contacts.GooglePage{
		People: make([]contacts.GooglePerson, len(live)), Deleted: deleted,
		Policy: s.policy, Pass: pass, SyncedAt: s.now(),
	}
	for i := range live {
		fp.page.People[i] = contacts.GooglePerson{Contact: live[i].Contact,
			PreviousResourceNames: live[i].PreviousResourceNames, Groups: live[i].Groups}
	}
	fp.seen, fp.st = len(resp.Connections), st
	fp.fetch = time.Since(t0)
	return fp
}
