package calendar

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	gcal "google.golang.org/api/calendar/v3"

	"github.com/kithhq/kith/internal/gsync"
)

// Report is what one Sync did: of one calendar's events, or, as
// UserReport.List, of the user's calendar list. On failure it holds what
// was done before the failure: the pages written stay written. Counts
// are of entries and pages; none is ever negative.
type Report struct {
	// UserID is the user synced.
	UserID uuid.UUID
	// CalendarID is the calendar synced, as given to Sync or as listed;
	// "" in UserReport.List.
	CalendarID string
	// Kind is the kind of the pass that ran last: Full when there was no
	// usable token or it expired (TokenExpired), else Incremental.
	Kind Kind
	// TokenExpired: Google answered the stored sync token with 410, so
	// the run dropped it and made a full pass.
	TokenExpired bool
	// ParamsChanged: the stored token was made with other parameters
	// (Config.PageSize changed) and was not used: the run was a full pass.
	ParamsChanged bool
	// Pages is the number of events.list pages written (in
	// UserReport.List: calendarList.list pages read), both passes of a
	// run whose token expired included; a retried call counts once. 0
	// when the run failed before its first page.
	Pages int
	// Events is the number of entries in those pages: events, cancelled
	// ones and Skipped ones included (calendar entries in
	// UserReport.List).
	Events int
	// Inserted is the number of events stored for the first time,
	// Updated of stored events rewritten (their etag changed), Unchanged
	// of entries whose stored event had the same etag, Deleted of stored
	// events removed by cancelled entries (WriteResult's counts, added up
	// over the pages). All 0 in UserReport.List.
	Inserted  int
	Updated   int
	Unchanged int
	Deleted   int
	// Skipped is the number of entries not written because they could not
	// be read: an event with no readable start or end, or (in
	// UserReport.List) a calendar entry with an ID the store refuses
	// (empty, too long). Usually 0.
	Skipped int
	// Removed is the number of stored events of the calendar a complete
	// full pass did not return and deleted (in UserReport.List: the
	// calendars no longer listed). 0 for an incremental pass and for a
	// full pass that stopped part way.
	Removed int
	// Retries is the number of Google calls made again after a transient
	// failure (5xx, network, rate limit), over every page; 0 when every
	// call succeeded the first time.
	Retries int
	// Interactions is what ApplyInteractions did at the end of Sync. It
	// is zero when the run failed before that step, in UserReport.List
	// and in UserReport.Calendars (SyncUser applies once for all the
	// user's calendars: see UserReport.Interactions).
	Interactions ApplyResult
	// Duration is the wall time of the run, the lock wait included.
	Duration time.Duration
	// PeakMemory is the highest Go memory of the process seen during the
	// run, in bytes: memory the Go runtime has mapped and not released
	// (what GOMEMLIMIT limits), sampled at the start, after each page was
	// decoded and at the end. It is process-wide: concurrent syncs share
	// it. 0 in UserReport.List.
	PeakMemory uint64
}

// Counts returns the report's figures for the run record (Run.Counts).
func (r *Report) Counts() map[string]int64 {
	return map[string]int64{
		"pages": int64(r.Pages), "events": int64(r.Events), "inserted": int64(r.Inserted),
		"updated": int64(r.Updated), "unchanged": int64(r.Unchanged), "deleted": int64(r.Deleted),
		"skipped": int64(r.Skipped), "removed": int64(r.Removed), "retries": int64(r.Retries),
		"contacts_moved": int64(r.Interactions.Moved),
	}
}

// Sync syncs userID's calendar calendarID (an ID from calendarList, or
// "primary"; use one form per calendar: each has its own token and
// stored events), then applies interactions up to now.
//
// Without a stored sync token (or with one Google refuses with 410) it
// makes a full pass: singleEvents=true, showDeleted=true, maxResults =
// Config.PageSize, timeMin = now - Config.Lookback; each page is written
// in its own transaction (WriteEvents) and the last page's transaction
// also deletes the calendar's stored events the pass did not return and
// saves the new token. With a token it makes an incremental pass with the
// same parameters but timeMin. A run that stops part way (an error, a
// cancelled ctx, a crash) keeps the pages it wrote and saves no token:
// the next run starts again from page 1 of the same kind of pass, and,
// pages being idempotent, ends where an uninterrupted run would have; a
// full pass that stops part way deletes nothing.
//
// The breaker is checked before each page, retries follow Config.Retry,
// one sync per (user, calendar) runs at a time (Config.Lock), and every
// run is recorded (Status). Errors: ErrBusy, ErrAccessRevoked,
// *RateLimitError, *APIError, ErrInvalid, a context or memguard error, or
// a database failure; their text never holds a token or personal data.
// When ctx ends during a Google call or a page's write, the error matches
// ctx's (errors.Is(err, context.DeadlineExceeded) or context.Canceled)
// and its text says what was cut, by API method, page number and retry,
// never by calendar ID: "calendar: events.list page 3: context deadline
// exceeded", "calendar: events.list page 3: attempt 2 of 5: context
// deadline exceeded", "calendar: write page 2: context canceled". A run
// cut by a deadline is recorded as failed with the same text
// (Status.LastRun.Error); a cancelled one as RunCancelled.
func (s *Syncer) Sync(ctx context.Context, userID uuid.UUID, calendarID string) (Report, error) {
	rep := Report{UserID: userID, CalendarID: calendarID, Kind: Full}
	if err := checkUser(userID); err != nil {
		return rep, err
	}
	if err := checkCalendarID(calendarID); err != nil {
		return rep, err
	}
	err := s.monitor.Wrap(ctx, "calendar.sync", func(ctx context.Context) error {
		var err error
		rep, err = s.sync(ctx, userID, calendarID, true)
		return err
	})
	return rep, err
}

// sync runs one calendar's sync; apply says whether to apply
// interactions at its end (SyncUser applies once, after all calendars).
func (s *Syncer) sync(ctx context.Context, userID uuid.UUID, calendarID string, apply bool) (rep Report, err error) {
	start := time.Now()
	mem := gsync.NewPeak()
	rep = Report{UserID: userID, CalendarID: calendarID, Kind: Full}
	log := s.log.With("user_id", userID.String())
	defer func() {
		rep.Duration = time.Since(start)
		rep.PeakMemory = mem.Sample()
		s.logEnd(ctx, log, &rep, err)
	}()
	resource := eventsResource(calendarID)
	err = s.runner().Run(ctx, gsync.RunSpec{
		UserID: userID, Resource: resource, ParamsKey: s.paramsKey,
		Body: func(ctx context.Context, run gsync.Session) error {
			rep.Kind, rep.ParamsChanged = run.Kind, run.ParamsChanged
			return s.run(ctx, run.Conn, userID, calendarID, run.Token, apply, mem, log, &rep)
		},
		Record: func() (Kind, map[string]int64) {
			rep.Duration = time.Since(start)
			rep.PeakMemory = mem.Sample() // the record keeps what the Report says
			return rep.Kind, rep.Counts()
		},
	})
	return rep, err
}

// runner is the run skeleton (lock, state, run record) of a sync.
func (s *Syncer) runner() *gsync.Runner {
	return &gsync.Runner{Pool: s.pool, Schema: s.schema, Ledger: s.ledger, Lock: s.lock,
		Private: private, Panicked: panicked{}}
}

// run is the body of one calendar's sync, under its lock on conn.
func (s *Syncer) run(ctx context.Context, conn *sql.Conn, userID uuid.UUID, calendarID, token string, apply bool,
	mem *gsync.Peak, log *slog.Logger, rep *Report) error {
	resource := eventsResource(calendarID)
	svc, err := s.clients.Get(ctx, userID)
	if err != nil {
		return s.googleErr(userID, err)
	}
	store, fwd, err := s.runStore()
	if err != nil {
		return err
	}
	err = s.pass(ctx, conn, store, fwd, svc, userID, calendarID, token, mem, rep)
	if token != "" && gsync.IsCalendarFullSyncRequired(err) {
		rep.TokenExpired, rep.Kind = true, Full
		log.InfoContext(ctx, "calendar: sync token expired; full pass", "pages_before", rep.Pages)
		if err := s.ledger.ClearToken(ctx, conn, userID, resource); err != nil {
			return private(err, "clear token")
		}
		err = s.pass(ctx, conn, store, fwd, svc, userID, calendarID, "", mem, rep)
	}
	if err != nil {
		return s.googleErr(userID, err)
	}
	if apply {
		err = fwd.In(ctx, conn, func() error {
			var err error
			rep.Interactions, err = store.ApplyInteractions(ctx, userID, s.now())
			return err
		})
		if err != nil {
			return stopped(ctx, private(err, "apply interactions"), "apply interactions")
		}
	}
	return nil
}

// stopped returns err, the failure of step, as ctx's error naming step
// ("calendar: write page 3: context deadline exceeded") when ctx has
// ended: a statement cut by it fails with a driver error that says less
// than the cause.
func stopped(ctx context.Context, err error, step string) error {
	if err == nil {
		return nil
	}
	if !gsync.IsContextErr(err) && ctx.Err() != nil {
		err = ctx.Err()
	}
	return gsync.Interrupted(err, "calendar: "+step)
}

// googleErr drops the user's cached client when Google revoked access,
// and makes err's text safe.
func (s *Syncer) googleErr(userID uuid.UUID, err error) error {
	if gsync.IsAccessRevoked(err) {
		s.clients.Remove(userID)
	}
	return private(err, "sync")
}

// errNoSyncToken: the last page of a pass came without nextSyncToken.
var errNoSyncToken = fmt.Errorf("%w: the last page had no nextSyncToken", ErrGoogle)

// eventsCall is one events.list call of a chain: identical parameters on
// every call but the tokens (and timeMin, on full passes only).
func eventsCall(svc *gcal.Service, calendarID string, pageSize int, syncToken, pageToken, timeMin string) *gcal.EventsListCall {
	call := svc.Events.List(calendarID).SingleEvents(true).ShowDeleted(true).MaxResults(int64(pageSize))
	if syncToken != "" {
		call = call.SyncToken(syncToken)
	} else {
		call = call.TimeMin(timeMin)
	}
	if pageToken != "" {
		call = call.PageToken(pageToken)
	}
	return call
}

// pass reads one chain of pages, incremental from syncToken or full when
// it is "", and writes each page in its own transaction.
func (s *Syncer) pass(ctx context.Context, conn *sql.Conn, store *Store, fwd *gsync.PageTx, svc *gcal.Service,
	userID uuid.UUID, calendarID, syncToken string, mem *gsync.Peak, rep *Report) error {
	kind := Incremental
	timeMin := ""
	var pass int64
	if syncToken == "" {
		kind = Full
		timeMin = s.now().Add(-s.lookback).UTC().Format(time.RFC3339)
		if err := fwd.In(ctx, conn, func() error {
			var err error
			pass, err = store.BeginFullPass(ctx, userID, calendarID)
			return err
		}); err != nil {
			return stopped(ctx, private(err, "begin full pass"), "begin full pass")
		}
	}
	var zones zoneCache
	pageToken := ""
	for page := 1; ; page++ {
		if err := s.breaker.Check(ctx); err != nil {
			return gsync.Interrupted(err, fmt.Sprintf("calendar: memory check before events page %d", page))
		}
		t0 := time.Now()
		resp, retries, err := gsync.Do(ctx, s.retry, func(ctx context.Context) (*gcal.Events, error) {
			return eventsCall(svc, calendarID, s.pageSize, syncToken, pageToken, timeMin).Context(ctx).Do()
		})
		rep.Retries += retries
		if err != nil {
			return gsync.Interrupted(err, fmt.Sprintf("calendar: events.list page %d", page))
		}
		mem.Sample()
		fetched := time.Since(t0)
		nextPage, nextSync := resp.NextPageToken, resp.NextSyncToken
		last := nextPage == ""
		if !last && nextPage == pageToken {
			return fmt.Errorf("%w: page %d repeated its page token", ErrGoogle, page)
		}
		if last && nextSync == "" {
			return errNoSyncToken
		}
		loc := time.UTC
		if l := zones.get(resp.TimeZone); l != nil {
			loc = l
		}
		evs := make([]Event, 0, len(resp.Items))
		skipped := 0
		for _, g := range resp.Items {
			if e, ok := mapEvent(g, loc, &zones); ok {
				evs = append(evs, e)
			} else {
				skipped++
			}
		}
		seen := len(resp.Items)
		resp = nil // let the page's JSON go before the write
		var res WriteResult
		removed := 0
		t1 := time.Now()
		err = fwd.In(ctx, conn, func() error {
			var err error
			if res, err = store.WriteEvents(ctx, userID, calendarID, evs, WriteOptions{Pass: pass}); err != nil {
				return private(err, fmt.Sprintf("write page %d", page))
			}
			if !last {
				return nil
			}
			if kind == Full {
				if removed, err = store.EndFullPass(ctx, userID, calendarID, pass); err != nil {
					return private(err, "end full pass")
				}
			}
			if err := s.ledger.SaveToken(ctx, fwd, userID, eventsResource(calendarID), storedToken(s.paramsKey, nextSync), kind); err != nil {
				return private(err, "save token")
			}
			return nil
		})
		if err != nil {
			return stopped(ctx, err, fmt.Sprintf("write page %d", page))
		}
		evs = nil
		rep.Pages++
		rep.Events += seen
		rep.Skipped += skipped
		rep.Inserted += res.Inserted
		rep.Updated += res.Updated
		rep.Unchanged += res.Unchanged
		rep.Deleted += res.Deleted
		rep.Removed += removed
		s.log.DebugContext(ctx, "calendar: page", "user_id", userID.String(), "page", page, "kind", string(kind),
			"events", seen, "inserted", res.Inserted, "updated", res.Updated, "unchanged", res.Unchanged,
			"deleted", res.Deleted, "skipped", skipped, "retries", retries, "fetch", fetched,
			"write", time.Since(t1), "duration", time.Since(t0))
		if last {
			return nil
		}
		pageToken = nextPage
	}
}

// logEnd logs a finished run: the user ID, counts and durations, and the
// error's text, which private() made safe. The calendar ID is not logged:
// it is often an address.
func (s *Syncer) logEnd(ctx context.Context, log *slog.Logger, rep *Report, err error) {
	lvl, msg := slog.LevelInfo, "calendar: synced"
	if err != nil {
		lvl, msg = slog.LevelWarn, "calendar: sync failed"
	}
	if !log.Enabled(ctx, lvl) {
		return
	}
	attrs := []any{"kind", string(rep.Kind), "token_expired", rep.TokenExpired, "pages", rep.Pages, "events", rep.Events,
		"inserted", rep.Inserted, "updated", rep.Updated, "unchanged", rep.Unchanged, "deleted", rep.Deleted,
		"removed", rep.Removed, "skipped", rep.Skipped, "retries", rep.Retries,
		"contacts_moved", rep.Interactions.Moved, "duration", rep.Duration, "peak_memory_bytes", rep.PeakMemory}
	if err != nil {
		attrs = append(attrs, "error", err.Error())
	}
	log.Log(ctx, lvl, msg, attrs...)
}
