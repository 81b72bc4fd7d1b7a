package googlesync

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"google.golang.org/api/people/v1"

	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/gsync"
)

// Report is what one [Syncer.Sync] did. On failure it holds what was done
// before the failure: the pages written stay written. Every count is of
// people, contacts, groups, addresses or calls, as its field says; none
// is ever negative, and each is 0 when the run failed before the step
// that counts it.
type Report struct {
	// UserID is the user synced.
	UserID uuid.UUID
	// Kind is the kind of the last pass the run made: Incremental from a
	// stored token, else Full (also after an expired token).
	Kind Kind
	// TokenExpired: Google refused the stored sync token as expired
	// (EXPIRED_SYNC_TOKEN, or HTTP 410), so the run dropped it and made a
	// full pass after the incremental one.
	TokenExpired bool
	// ParamsChanged: the stored token was made with other parameters
	// (Config.PageSize changed, or a kith upgrade changed the fields it
	// asks for) and was not used:
	// the run was a full pass from the start.
	ParamsChanged bool

	// Pages is the number of connections.list pages written, both passes
	// of a run whose token expired included; a retried call counts once.
	Pages int
	// Seen is the number of people in those pages, deleted ones and
	// Skipped ones included.
	Seen int

	// Inserted is the number of contacts created for people new to kith.
	Inserted int
	// Updated is the number of contacts whose Google fields were
	// rewritten (the person's etag changed) or that came back from the
	// sync's archive; Merged ones are counted here too.
	Updated int
	// Unchanged is the number of people whose contact had the same etag:
	// nothing written but the pass marker.
	Unchanged int
	// Linked is the number of manual contacts matched by email to a
	// person and linked to it instead of a new contact being inserted.
	Linked int
	// Merged is the number of people whose contact moved from an earlier
	// resource name (metadata.previousResourceNames): Google merged two
	// people.
	Merged int
	// MergedAway is the number of duplicate contacts folded into another
	// one by such merges and deleted (their notes and history kept on the
	// one that stays).
	MergedAway int
	// Archived, Detached and Deleted are the numbers of contacts whose
	// person Google deleted, or a complete full pass no longer listed,
	// that Config.OnDeleted archived, detached (kept as manual contacts)
	// or deleted: only the one of the three that OnDeleted names is ever
	// non-zero. A contact already archived is not counted again.
	Archived int
	Detached int
	Deleted  int
	// Reconciled is how many of those were people a complete full pass
	// no longer listed (rather than listed as deleted). 0 for an
	// incremental pass and for a full pass that stopped part way.
	Reconciled int

	// MembershipsAdded and MembershipsRemoved are the numbers of
	// contact memberships of Google-linked kith groups added and removed.
	MembershipsAdded   int
	MembershipsRemoved int
	// GroupsCreated is the number of kith groups created for new Google
	// contact groups; GroupsRenamed of linked kith groups renamed after
	// their Google group; GroupsUnlinked of Google groups gone, whose
	// kith group stays as the user's own. System groups (myContacts,
	// starred...) are never mirrored nor counted.
	GroupsCreated  int
	GroupsRenamed  int
	GroupsUnlinked int
	// SkippedGroups counts Google contact groups left out because the
	// store would refuse their resource name (contacts.
	// CheckGoogleResourceName: empty, a NUL byte, invalid UTF-8, too
	// long), and repeats of a group listed earlier (the first is kept). A
	// skipped group gets no kith group and its people's memberships of it
	// are ignored (DroppedFields counts those the store would refuse); the
	// rest of the sync goes on. Usually 0.
	SkippedGroups int

	// InvalidEmails is the number of addresses left out because contacts
	// refuses them (contacts.NormalizeEmail): the rest of the person is
	// kept. Usually 0.
	InvalidEmails int
	// ExtraEmails is the number of valid addresses left out beyond what a
	// contact holds (1 + contacts.MaxOtherEmails).
	ExtraEmails int
	// DroppedFields is the number of other values left empty because the
	// model refuses them (too long, say): the rest of the person is kept.
	DroppedFields int
	// Skipped is the number of people left out for want of a resource
	// name.
	Skipped int
	// Rejected is the number of people the store refused as a whole
	// (each costs that person only; the page is written without them).
	Rejected int

	// Retries is the number of Google calls made again after a transient
	// failure (5xx, network, rate limit), contact groups' and
	// connections' pages alike; 0 when every call succeeded the first
	// time. Not counted in Pages.
	Retries int
	// Duration is the wall time of the run, the lock wait included.
	Duration time.Duration
	// PeakMemory is the highest Go memory of the process seen during the
	// run, in bytes: memory the Go runtime has mapped and not released
	// (what GOMEMLIMIT limits, as memguard reads it), sampled at the
	// start, after each page was decoded and at the end. It is
	// process-wide: concurrent syncs share it.
	PeakMemory uint64
}

// Counts returns the report's figures under the keys the run history
// (Status.LastRun.Counts) stores.
func (r *Report) Counts() map[string]int64 {
	b := func(v bool) int64 {
		if v {
			return 1
		}
		return 0
	}
	return map[string]int64{
		"full": b(r.Kind == Full), "token_expired": b(r.TokenExpired), "params_changed": b(r.ParamsChanged),
		"pages": int64(r.Pages), "seen": int64(r.Seen),
		"inserted": int64(r.Inserted), "updated": int64(r.Updated), "unchanged": int64(r.Unchanged),
		"linked": int64(r.Linked), "merged": int64(r.Merged), "merged_away": int64(r.MergedAway),
		"archived": int64(r.Archived), "detached": int64(r.Detached), "deleted": int64(r.Deleted),
		"reconciled":        int64(r.Reconciled),
		"memberships_added": int64(r.MembershipsAdded), "memberships_removed": int64(r.MembershipsRemoved),
		"groups_created": int64(r.GroupsCreated), "groups_renamed": int64(r.GroupsRenamed),
		"groups_unlinked": int64(r.GroupsUnlinked), "skipped_groups": int64(r.SkippedGroups),
		"invalid_emails": int64(r.InvalidEmails), "extra_emails": int64(r.ExtraEmails),
		"dropped_fields": int64(r.DroppedFields), "skipped": int64(r.Skipped), "rejected": int64(r.Rejected),
		"retries": int64(r.Retries), "duration_ms": r.Duration.Milliseconds(), "peak_memory_bytes": int64(r.PeakMemory),
	}
}

func (r *Report) addPage(res contacts.GooglePageResult) {
	r.Inserted += res.Inserted
	r.Updated += res.Updated
	r.Unchanged += res.Unchanged
	r.Linked += res.Linked
	r.Merged += res.Merged
	r.MergedAway += res.MergedAway
	r.Archived += res.Archived
	r.Detached += res.Detached
	r.Deleted += res.Deleted
	r.MembershipsAdded += res.MembershipsAdded
	r.MembershipsRemoved += res.MembershipsRemoved
	r.Rejected += len(res.Rejected)
}

func (r *Report) addReconciled(n int, policy contacts.DeletePolicy) {
	r.Reconciled += n
	switch policy {
	case contacts.ArchiveDeleted:
		r.Archived += n
	case contacts.DetachDeleted:
		r.Detached += n
	case contacts.RemoveDeleted:
		r.Deleted += n
	}
}

func (r *Report) addMapped(st mapStats) {
	r.InvalidEmails += st.InvalidEmails
	r.ExtraEmails += st.ExtraEmails
	r.DroppedFields += st.DroppedFields
	r.Skipped += st.SkippedPersons
}

// Sync brings userID's contacts up to date with their Google Contacts.
//
// It takes the user's advisory lock (another sync of the user running:
// ErrBusy, or a wait with LockWait), lists the user's Google contact
// groups and mirrors them as kith groups, then reads the connections page
// by page: incrementally from the stored sync token, or in a full pass
// when there is none. Each page is mapped (see PersonFields and the
// package documentation) and written in one transaction; the last page's
// transaction also saves the new sync token and, on a full pass, applies
// Config.OnDeleted to the linked contacts the pass did not list. The
// breaker is checked before each page; each page's call is retried as
// Config.Retry says, never the whole chain.
//
// A sync that fails part way (an error, a cancelled ctx, a crash) keeps
// the pages it wrote and saves no token: the next run starts again from
// page 1 of the same kind of pass, and, pages being idempotent, ends in
// the state an uninterrupted run would have. A failed full pass never
// archives or deletes anything for missing people. An expired token
// (Google's EXPIRED_SYNC_TOKEN or 410) is dropped and a full pass made in
// the same run.
//
// Every run is recorded (Status). The error, when not nil, is one of
// ErrBusy, ErrAccessRevoked (the user's cached client is dropped),
// *RateLimitError, *APIError, an error matching ErrInvalid, a context
// error, a memguard refusal, or a database failure; its text never holds a
// token or a person's data. When ctx ends during a Google call or a
// page's write, the error matches ctx's (errors.Is(err,
// context.DeadlineExceeded) or context.Canceled) and its text says what
// was cut, by API method, page number and retry: "googlesync:
// connections.list page 3: context deadline exceeded", "googlesync:
// contactGroups.list page 1: attempt 2 of 5: context deadline exceeded",
// "googlesync: write page 2: context canceled" (page N+1 is fetched while
// page N is written: the text names the step that noticed first). A run
// cut by a deadline is recorded as failed with the same text
// (Status.LastRun.Error); a cancelled one as RunCancelled.
func (s *Syncer) Sync(ctx context.Context, userID uuid.UUID) (Report, error) {
	if err := checkUser(userID); err != nil {
		return Report{UserID: userID}, err
	}
	var rep Report
	err := s.monitor.Wrap(ctx, "googlesync.sync", func(ctx context.Context) error {
		var err error
		rep, err = s.sync(ctx, userID)
		return err
	})
	return rep, err
}

func (s *Syncer) sync(ctx context.Context, userID uuid.UUID) (rep Report, err error) {
	start := time.Now()
	mem := gsync.NewPeak()
	rep = Report{UserID: userID, Kind: Full}
	log := s.log.With("user_id", userID.String())
	defer func() {
		rep.Duration = time.Since(start)
		rep.PeakMemory = mem.Sample()
		s.logEnd(ctx, log, &rep, err)
	}()

	err = s.runner().Run(ctx, gsync.RunSpec{
		UserID: userID, Resource: resource, ParamsKey: s.paramsKey,
		Body: func(ctx context.Context, run gsync.Session) error {
			rep.Kind, rep.ParamsChanged = run.Kind, run.ParamsChanged
			return s.run(ctx, run.Conn, userID, run.Token, mem, log, &rep)
		},
		Record: func() (Kind, map[string]int64) {
			rep.Duration = time.Since(start)
			rep.PeakMemory = mem.Sample() // the record keeps what the Report says
			// Kind is Full when an expired token turned the run into a full pass.
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

// run is the body of a sync, under the user's lock on conn.
func (s *Syncer) run(ctx context.Context, conn *sql.Conn, userID uuid.UUID, token string, mem *gsync.Peak,
	log *slog.Logger, rep *Report) error {
	svc, err := s.clients.Get(ctx, userID)
	if err != nil {
		return s.googleErr(userID, err)
	}
	store, fwd, err := s.newStore()
	if err != nil {
		return err
	}
	if err := s.syncGroups(ctx, conn, store, fwd, svc, userID, rep); err != nil {
		return s.googleErr(userID, err)
	}
	err = s.pass(ctx, conn, store, fwd, svc, userID, token, mem, rep)
	if token != "" && gsync.IsPeopleTokenExpired(err) {
		rep.TokenExpired = true
		rep.Kind = Full
		log.InfoContext(ctx, "googlesync: sync token expired; full pass", "pages_before", rep.Pages)
		if err := s.ledger.ClearToken(ctx, conn, userID, resource); err != nil {
			return private(err, "clear token")
		}
		err = s.pass(ctx, conn, store, fwd, svc, userID, "", mem, rep)
	}
	if err != nil {
		return s.googleErr(userID, err)
	}
	return nil
}

// googleErr drops the user's cached client when Google revoked access,
// and makes err's text safe.
func (s *Syncer) googleErr(userID uuid.UUID, err error) error {
	if gsync.IsAccessRevoked(err) {
		s.clients.Remove(userID)
	}
	return private(err, "sync")
}

// newStore returns the run's Store, over a handle that forwards to the
// transaction of the page being written.
func (s *Syncer) newStore() (*contacts.Store, *gsync.PageTx, error) {
	fwd := &gsync.PageTx{}
	store, err := contacts.NewStore(fwd, contacts.Config{Schema: s.schema, Now: s.now})
	if err != nil {
		return nil, nil, private(err, "store")
	}
	return store, fwd, nil
}

// syncGroups lists the user's Google contact groups (every page) and
// mirrors the user-made ones as kith groups. System groups (myContacts,
// starred, ...) are not mirrored.
func (s *Syncer) syncGroups(ctx context.Context, conn *sql.Conn, store *contacts.Store, fwd *gsync.PageTx, svc *people.Service, userID uuid.UUID, rep *Report) error {
	groups := []contacts.GoogleGroup{}
	seen := map[string]bool{}
	pageToken := ""
	for page := 1; ; page++ {
		resp, retries, err := gsync.Do(ctx, s.retry, func(ctx context.Context) (*people.ListContactGroupsResponse, error) {
			return fetchGroupPage(ctx, svc, pageToken)
		})
		rep.Retries += retries
		if err != nil {
			return gsync.Interrupted(err, fmt.Sprintf("googlesync: contactGroups.list page %d", page))
		}
		for _, g := range resp.ContactGroups {
			if g == nil || g.GroupType == "SYSTEM_CONTACT_GROUP" || isSystemGroup(g.ResourceName) ||
				(g.Metadata != nil && g.Metadata.Deleted) {
				continue
			}
			// One group the store would refuse must not fail every run
			// of the user: leave it out and count it (the name is not
			// logged).
			if contacts.CheckGoogleResourceName(g.ResourceName) != nil || seen[g.ResourceName] {
				rep.SkippedGroups++
				continue
			}
			seen[g.ResourceName] = true
			name := g.Name
			if name == "" {
				name = g.FormattedName
			}
			groups = append(groups, contacts.GoogleGroup{ResourceName: g.ResourceName, Name: name})
		}
		if len(groups) > contacts.MaxGoogleGroups {
			return fmt.Errorf("googlesync: more than %d Google contact groups", contacts.MaxGoogleGroups)
		}
		if resp.NextPageToken == "" || resp.NextPageToken == pageToken {
			break
		}
		pageToken = resp.NextPageToken
	}
	err := fwd.In(ctx, conn, func() error {
		res, err := store.SyncGoogleGroups(ctx, userID, groups)
		if err != nil {
			return private(err, "sync groups")
		}
		rep.GroupsCreated += res.Created
		rep.GroupsRenamed += res.Renamed
		rep.GroupsUnlinked += res.Unlinked
		return nil
	})
	if err != nil && ctx.Err() != nil {
		return gsync.Interrupted(ctx.Err(), "googlesync: write groups")
	}
	return err
}

// errNoSyncToken: the last page of a pass came without nextSyncToken.
var errNoSyncToken = fmt.Errorf("%w: the last page had no nextSyncToken", ErrGoogle)

// pass reads one chain of pages, incremental from syncToken or full when
// it is "", and writes each page in its own transaction, in order. Page
// N+1 is fetched while page N is written (fetchAhead), never further
// ahead; the first failure of either ends the pass, and pass returns only
// once the fetching goroutine is gone.
func (s *Syncer) pass(ctx context.Context, conn *sql.Conn, store *contacts.Store, fwd *gsync.PageTx, svc *people.Service,
	userID uuid.UUID, syncToken string, mem *gsync.Peak, rep *Report) error {
	kind, pass := Incremental, int64(0)
	if syncToken == "" {
		kind, pass = Full, newPass()
	}
	f := s.fetchAhead(ctx, svc, kind, syncToken, pass, mem)
	defer f.stop()
	load := gsync.NewLoader(s.schema, "contacts", "contact_emails", "contact_groups")
	for n := 1; ; n++ {
		t0 := time.Now()
		fp := f.next(ctx, n)
		wait := time.Since(t0)
		rep.Retries += fp.retries
		if fp.err != nil {
			return fp.err
		}
		var res contacts.GooglePageResult
		reconciled := 0
		t1 := time.Now()
		err := fwd.In(ctx, conn, func() error {
			var err error
			if res, err = store.ApplyGooglePage(ctx, userID, fp.page, contacts.GooglePageOptions{SkipInvalid: true}); err != nil {
				return private(err, fmt.Sprintf("write page %d", fp.n))
			}
			if !fp.last {
				return nil
			}
			if kind == Full {
				if reconciled, err = store.ReconcileGoogle(ctx, userID, pass, s.policy); err != nil {
					return private(err, "reconcile")
				}
			}
			if err := s.ledger.SaveToken(ctx, fwd, userID, resource, s.storedToken(fp.nextSync), kind); err != nil {
				return private(err, "save token")
			}
			return nil
		})
		if err != nil {
			if cerr := ctx.Err(); cerr != nil {
				// Cancelled during the write: the driver's error (a
				// cancelled statement, a transaction rolled back under
				// it) says less than the cause.
				return gsync.Interrupted(cerr, fmt.Sprintf("googlesync: write page %d", fp.n))
			}
			return err
		}
		rep.Pages++
		rep.Seen += fp.seen
		rep.addMapped(fp.st)
		rep.addPage(res)
		if reconciled > 0 {
			rep.addReconciled(reconciled, s.policy)
		}
		if ok, err := load.Loaded(ctx, conn, int64(res.Inserted), fp.last); err != nil {
			s.log.WarnContext(ctx, "googlesync: refreshing the planner's statistics after a bulk load failed; the sync goes on",
				"user_id", userID.String(), "page", fp.n, "error", gsync.ErrorText(err))
		} else if ok {
			s.log.DebugContext(ctx, "googlesync: refreshed the planner's statistics after a bulk load", "user_id", userID.String(), "page", fp.n)
		}
		s.log.DebugContext(ctx, "googlesync: page", "user_id", userID.String(), "page", fp.n, "kind", string(kind),
			"people", fp.seen, "inserted", res.Inserted, "updated", res.Updated, "unchanged", res.Unchanged,
			"retries", fp.retries, "fetch", fp.fetch, "wait", wait, "write", time.Since(t1))
		if fp.last {
			return nil
		}
	}
}

// logEnd logs a finished run: the user ID, counts and durations, and the
// error's text, which private() made safe.
func (s *Syncer) logEnd(ctx context.Context, log *slog.Logger, rep *Report, err error) {
	lvl, msg := slog.LevelInfo, "googlesync: synced"
	if err != nil {
		lvl, msg = slog.LevelWarn, "googlesync: sync failed"
	}
	if !log.Enabled(ctx, lvl) {
		return
	}
	attrs := []any{"kind", string(rep.Kind), "token_expired", rep.TokenExpired, "pages", rep.Pages, "seen", rep.Seen,
		"inserted", rep.Inserted, "updated", rep.Updated, "unchanged", rep.Unchanged, "linked", rep.Linked,
		"merged", rep.Merged, "archived", rep.Archived, "detached", rep.Detached, "deleted", rep.Deleted,
		"invalid_emails", rep.InvalidEmails, "rejected", rep.Rejected, "skipped_groups", rep.SkippedGroups,
		"retries", rep.Retries,
		"duration", rep.Duration, "peak_memory_bytes", rep.PeakMemory}
	if err != nil {
		attrs = append(attrs, "error", err.Error())
	}
	log.Log(ctx, lvl, msg, attrs...)
}

// panicked is the error a run that panicked is recorded with.
type panicked struct{}

func (panicked) Error() string    { return "googlesync: the sync panicked" }
func (panicked) SafeText() string { return "googlesync: the sync panicked" }
