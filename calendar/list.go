package calendar

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	gcal "google.golang.org/api/calendar/v3"

	"github.com/kithhq/kith/internal/gsync"
)

// Access roles of a calendar in the user's list.
const (
	RoleFreeBusyReader = "freeBusyReader"
	RoleReader         = "reader"
	RoleWriter         = "writer"
	RoleOwner          = "owner"
)

// UserReport is what one SyncUser did.
//
// On failure it holds what was done before the failure.
type UserReport struct {
	// UserID is the user synced.
	UserID uuid.UUID
	// List is the calendar list's pass: Kind, TokenExpired, Pages,
	// Events (the calendar entries read), Skipped, Removed (calendars no
	// longer listed), Retries, Duration; its CalendarID is "".
	List Report
	// Calendars holds one Report per selected calendar whose sync ran,
	// failed ones included, in the order they ran (by calendar ID). It is
	// non-nil; empty when the list failed or no calendar was selected.
	Calendars []Report
	// Interactions is what ApplyInteractions did once, after the
	// calendars (also when some failed); zero when the list failed or
	// ctx ended first.
	Interactions ApplyResult
	// Duration is the wall time of the whole SyncUser.
	Duration time.Duration
}

// A CalendarError is the failure of one calendar in SyncUser, which
// returns errors.Join of one per failed calendar (and the others keep
// syncing).
type CalendarError struct {
	// Index is the calendar's position, from 0, in the calendars SyncUser
	// synced: UserReport.Calendars[Index] is its report, and its
	// CalendarID the calendar's ID (often an address, so not in the
	// error's text).
	Index int
	// Err is what the calendar's sync returned.
	Err error
}

func (e *CalendarError) Error() string {
	return fmt.Sprintf("calendar: calendar %d of the user's selection: %v", e.Index, e.Err)
}
func (e *CalendarError) Unwrap() error { return e.Err }

// SyncUser syncs userID's calendar list (calendarList.list, incremental
// with its own token), then each calendar Config.Calendars selects (the
// primary one by default; never one the user sees only free/busy for),
// then applies interactions once. A calendar that fails does not stop
// the others: the error is errors.Join of one *CalendarError per failed
// calendar; a failure of the list itself stops the run, and so does ctx
// ending, with an error matching ctx's that names the step as Sync's do,
// preceded by the calendar's index in the selection ("calendar: calendar
// 0 of the user's selection: events.list page 3: context deadline
// exceeded") or the list's page ("calendar: calendarList.list page 1:
// context deadline exceeded").
func (s *Syncer) SyncUser(ctx context.Context, userID uuid.UUID) (UserReport, error) {
	rep := UserReport{UserID: userID, Calendars: []Report{}}
	if err := checkUser(userID); err != nil {
		return rep, err
	}
	err := s.monitor.Wrap(ctx, "calendar.sync_user", func(ctx context.Context) error {
		var err error
		rep, err = s.syncUser(ctx, userID)
		return err
	})
	return rep, err
}

func (s *Syncer) syncUser(ctx context.Context, userID uuid.UUID) (rep UserReport, err error) {
	start := time.Now()
	rep = UserReport{UserID: userID, Calendars: []Report{}}
	defer func() { rep.Duration = time.Since(start) }() // rep is the result: the deferred write is returned
	if rep.List, err = s.syncList(ctx, userID); err != nil {
		return rep, err
	}
	listed, err := s.Calendars(ctx, userID)
	if err != nil {
		return rep, err
	}
	ids, err := s.selected(ctx, userID, listed)
	if err != nil {
		return rep, err
	}
	var errs []error
	for i, id := range ids {
		r, err := s.sync(ctx, userID, id, false)
		rep.Calendars = append(rep.Calendars, r)
		if err != nil {
			if ctx.Err() != nil {
				return rep, gsync.Interrupted(err, fmt.Sprintf("calendar: calendar %d of the user's selection", i))
			}
			errs = append(errs, &CalendarError{Index: i, Err: err})
		}
	}
	rep.Interactions, err = s.ApplyInteractions(ctx, userID, s.now())
	if err != nil {
		errs = append(errs, stopped(ctx, private(err, "apply interactions"), "apply interactions"))
	}
	return rep, errors.Join(errs...)
}

// selected returns the IDs to sync among the listed calendars.
func (s *Syncer) selected(ctx context.Context, userID uuid.UUID, listed []Calendar) ([]string, error) {
	usable := make([]Calendar, 0, len(listed))
	for _, c := range listed {
		if c.AccessRole != RoleFreeBusyReader {
			usable = append(usable, c)
		}
	}
	var ids []string
	if s.selectFn == nil {
		for _, c := range usable {
			if c.Primary {
				ids = append(ids, c.ID)
			}
		}
		return ids, nil
	}
	chosen, err := s.selectFn(ctx, userID, slices.Clone(usable))
	if err != nil {
		return nil, fmt.Errorf("calendar: Config.Calendars of user %s: %w", userID, err)
	}
	for _, c := range usable {
		if slices.Contains(chosen, c.ID) {
			ids = append(ids, c.ID)
		}
	}
	return ids, nil
}

// syncList syncs the user's calendar list: each page's entries are saved
// (SaveCalendars); a complete full pass also unlists the calendars it did
// not return. A user's list is small (Google caps it in the hundreds), so
// a full pass keeps the IDs it saw in memory.
func (s *Syncer) syncList(ctx context.Context, userID uuid.UUID) (rep Report, err error) {
	start := time.Now()
	rep = Report{UserID: userID, Kind: Full}
	err = s.runner().Run(ctx, gsync.RunSpec{
		UserID: userID, Resource: listResource, ParamsKey: listParamsKey,
		Body: func(ctx context.Context, run gsync.Session) error {
			rep.Kind = run.Kind
			return s.runList(ctx, run.Conn, userID, run.Token, &rep)
		},
		Record: func() (Kind, map[string]int64) {
			rep.Duration = time.Since(start)
			return rep.Kind, rep.Counts()
		},
	})
	return rep, err
}

// runList is the body of a calendar list sync, under its lock on conn.
func (s *Syncer) runList(ctx context.Context, conn *sql.Conn, userID uuid.UUID, token string, rep *Report) error {
	svc, err := s.clients.Get(ctx, userID)
	if err != nil {
		return s.googleErr(userID, err)
	}
	store, fwd, err := s.runStore()
	if err != nil {
		return err
	}
	err = s.listPass(ctx, conn, store, fwd, svc, userID, token, rep)
	if token != "" && gsync.IsCalendarFullSyncRequired(err) {
		rep.TokenExpired, rep.Kind = true, Full
		if err := s.ledger.ClearToken(ctx, conn, userID, listResource); err != nil {
			return private(err, "clear token")
		}
		err = s.listPass(ctx, conn, store, fwd, svc, userID, "", rep)
	}
	if err != nil {
		return s.googleErr(userID, err)
	}
	return nil
}

// listParamsKey tags stored calendar-list tokens with the chain's
// parameters.
const listParamsKey = "list-v1"

func (s *Syncer) listPass(ctx context.Context, conn *sql.Conn, store *Store, fwd *gsync.PageTx, svc *gcal.Service,
	userID uuid.UUID, syncToken string, rep *Report) error {
	full := syncToken == ""
	var seen []string
	pageToken := ""
	for page := 1; ; page++ {
		if err := s.breaker.Check(ctx); err != nil {
			return gsync.Interrupted(err, fmt.Sprintf("calendar: memory check before calendar list page %d", page))
		}
		resp, retries, err := gsync.Do(ctx, s.retry, func(ctx context.Context) (*gcal.CalendarList, error) {
			call := svc.CalendarList.List().MaxResults(listPageSize).ShowDeleted(true).ShowHidden(true)
			if syncToken != "" {
				call = call.SyncToken(syncToken)
			}
			if pageToken != "" {
				call = call.PageToken(pageToken)
			}
			return call.Context(ctx).Do()
		})
		rep.Retries += retries
		if err != nil {
			return gsync.Interrupted(err, fmt.Sprintf("calendar: calendarList.list page %d", page))
		}
		last := resp.NextPageToken == ""
		if !last && resp.NextPageToken == pageToken {
			return fmt.Errorf("%w: calendar list page %d repeated its page token", ErrGoogle, page)
		}
		if last && resp.NextSyncToken == "" {
			return errNoSyncToken
		}
		cals := make([]Calendar, 0, len(resp.Items))
		for _, it := range resp.Items {
			if it == nil || it.Id == "" || checkCalendarID(it.Id) != nil {
				rep.Skipped++
				continue
			}
			c := Calendar{ID: it.Id, Primary: it.Primary, AccessRole: it.AccessRole}
			if it.Deleted {
				c.AccessRole = ""
			} else if full {
				seen = append(seen, it.Id)
			}
			cals = append(cals, c)
		}
		rep.Pages++
		rep.Events += len(resp.Items)
		err = fwd.In(ctx, conn, func() error {
			if _, err := store.SaveCalendars(ctx, userID, cals); err != nil {
				return private(err, "save calendars")
			}
			if !last {
				return nil
			}
			if full {
				n, err := store.unlistOthers(ctx, userID, seen)
				if err != nil {
					return private(err, "unlist calendars")
				}
				rep.Removed += n
			}
			kind := Incremental
			if full {
				kind = Full
			}
			if err := s.ledger.SaveToken(ctx, fwd, userID, listResource, storedToken(listParamsKey, resp.NextSyncToken), kind); err != nil {
				return private(err, "save token")
			}
			return nil
		})
		if err != nil {
			return stopped(ctx, err, fmt.Sprintf("save calendar list page %d", page))
		}
		if last {
			return nil
		}
		pageToken = resp.NextPageToken
	}
}
