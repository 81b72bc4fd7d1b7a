// Package gsync is the plumbing both Google syncs share (contacts/googlesync
// for the People API, calendar for the Calendar API): typed errors and the
// classification of what the Google client returns, retries with gax-go's
// backoff and Retry-After, a per-user client cache, a session advisory lock
// per (user, resource) on a pinned connection, and the sync_state and
// sync_runs tables with their Go API.
//
// The sync packages re-export the public shapes declared here, so that
// errors.Is and errors.As work with either package's name:
//
//	var ErrBusy = gsync.ErrBusy
//	type RateLimitError = gsync.RateLimitError
//	type Status = gsync.Status
//
// Those re-exported names are public promises and are documented as such.
//
// # Privacy
//
// No text this package builds, returns or stores carries an OAuth token, a
// sync token, a request URL or a Google response body or message (which can
// hold names, emails and event titles): error texts are built from HTTP
// status codes, Google's reason identifiers and kith's own words. The
// original errors stay in the chain for errors.As, never in Error().
//
// # A sync run, put together
//
// Built once, in the sync's New (each error is wrapped in the sync
// package's ErrInvalid, naming the Config field):
//
//	pool, err := gsync.AsPool(db)                 // refuses *sql.Conn, *sql.Tx
//	err = cfg.Retry.Validate()                    // a gsync.RetryPolicy field
//	ledger, err := gsync.NewLedger(gsync.LedgerConfig{Schema: cfg.Schema, Now: cfg.Now})
//	clients, err := gsync.NewClients(gsync.ClientConfig[*people.Service]{
//		Size: cfg.CacheSize, TTL: cfg.CacheTTL, Now: cfg.Now,
//		TokenSource: cfg.TokenSource, Options: cfg.ClientOptions,
//		NewService: people.NewService, Name: "people client",
//		TokenSourceError: func(err error) error { return &TokenSourceError{Err: err} },
//	})
//
// One run of one user's resource goes through a Runner, the skeleton both
// syncs share: it takes the lock on a pinned connection (ErrBusy, or a
// wait), loads the state, records the run's start and end (a panic is
// recorded as a failed run, then goes on up) and releases the lock:
//
//	runner := &gsync.Runner{Pool: pool, Schema: schema, Ledger: ledger, Lock: mode,
//		Private: private, Panicked: panicked{}}
//	err := runner.Run(ctx, gsync.RunSpec{
//		UserID: userID, Resource: gsync.ResourcePeople, ParamsKey: paramsKey,
//		Body: func(ctx context.Context, run gsync.Session) error {
//			return body(ctx, run.Conn, run.Token) // run.Kind: Full when run.Token == ""
//		},
//		Record: func() (gsync.Kind, map[string]int64) { return rep.Kind, rep.Counts() },
//	})
//
// The body, on run.Conn:
//
//	svc, err := clients.Get(ctx, userID)
//	for each page {
//		resp, retries, err := gsync.Do(ctx, policy, func(ctx context.Context) (*people.ListConnectionsResponse, error) {
//			return call.Context(ctx).Do()
//		})
//		switch {
//		case gsync.IsPeopleTokenExpired(err): // ClearToken, rep.Kind = gsync.Full, restart from page 1
//		case gsync.IsAccessRevoked(err):      // clients.Remove(userID); return err
//		case err != nil:                      // return err: it is already classified
//		}
//		tx, err := conn.BeginTx(ctx, nil)
//		// ... the page's writes ...
//		if resp.NextPageToken == "" {
//			err = ledger.SaveToken(ctx, tx, userID, gsync.ResourcePeople, gsync.StoredToken(paramsKey, resp.NextSyncToken), kind)
//		}
//		err = tx.Commit()
//	}
//
// A sync may raise policy.RateLimitDelay for the first page of a full
// People pass, which has a fixed extra quota (minutes, not seconds).
//
// # Many users
//
// A sync's SyncAll checks its options with fanout.Check and hands All the
// per-user function and closures that add each user's report to its own
// AllReport, wrap failures in its own *UserError and call its Progress:
// the bounded concurrency, the breaker check per user, the stop on
// cancellation and the errors.Join are internal/fanout's (which suggest's
// GenerateAll uses too); All adds the counts of busy, rate-limited and
// revoked users.
//
// # Resources
//
// A resource names what one sync token covers for one user: "people" for
// Google Contacts, "calendarList" for the calendar list and
// "calendar:<calendarID>" for one calendar's events. The lock, the state
// row and the run history are all per (user, resource).
package gsync
