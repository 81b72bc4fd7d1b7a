// Package googlesync syncs each user's Google Contacts (the People API's
// people.connections.list and contactGroups.list) into their kith
// contacts and groups: incrementally from a stored sync token, one page
// at a time, without overwriting anything the user typed.
//
//	syncer, err := googlesync.New(db, googlesync.Config{
//		TokenSource: func(ctx context.Context, userID uuid.UUID) (oauth2.TokenSource, error) {
//			return oauthConfig.TokenSource(ctx, storedToken(userID)), nil // scope contacts.readonly
//		},
//	})
//	report, err := syncer.Sync(ctx, userID)       // one user: a job
//	all, err := syncer.SyncAll(ctx, users, googlesync.AllOptions{}) // many, in this process
//	status, err := syncer.Status(ctx, userID)     // "last synced 5 minutes ago"
//
// It is a package of its own so that a host that only streams contacts
// never compiles the Google client.
//
// # A run
//
// [Syncer.Sync] takes the user's advisory lock on one pinned connection,
// mirrors the user's Google contact groups as kith groups
// (contacts.Store.SyncGoogleGroups), then reads the connections page by
// page with the same parameters on every call of the chain (PersonFields,
// the page size, Sources, requestSyncToken=true) and writes each page in
// one transaction (contacts.Store.ApplyGooglePage); the last page's
// transaction also saves the new sync token and, on a full pass, applies
// Config.OnDeleted to what the pass did not list
// (contacts.Store.ReconcileGoogle). A failed or cancelled run keeps its
// pages and saves no token: the next one starts again from page 1 and ends
// in the state an uninterrupted run would have.
//
// # Mapping
//
// A person becomes a contact as PersonFields documents: the name (with
// fallbacks for people without one), every email address (primary first,
// repeats and invalid ones dropped, the latter counted), the primary phone
// (E.164 when Google computed it), LinkedIn, Instagram and X from the
// person's URLs, the primary address's city, region and country, and
// memberships of the user's own Google groups. The fields a sync owns are
// rewritten when Google's etag changes; notes, frequency, circle, tags,
// time zone, kith groups, archived and the last contact date are the
// user's and are never written by a sync.
//
// # Failures
//
// Errors are shared with the calendar sync (ErrBusy, ErrAccessRevoked,
// ErrRateLimited with *RateLimitError, ErrGoogle with *APIError) and say
// what a job queue should do: snooze, drop, or retry. Their texts, the
// run records and the logs hold user IDs, counts, HTTP status codes and
// Google's reason identifiers only: never a token, a name, an email
// address or a phone number.
package googlesync
