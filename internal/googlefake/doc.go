// Package googlefake is an in-process test server speaking the REST/JSON
// protocol of the Google People API v1 (people.connections.list,
// contactGroups.list) and the Google Calendar API v3 (events.list,
// calendarList.list), reachable by the real google.golang.org/api client.
// It is a test tool: the contacts and calendar syncs' tests, examples and
// benchmarks use it; nothing in kith's public API depends on it.
//
// # Reaching it
//
//	srv := googlefake.New(googlefake.Config{Seed: 1})
//	defer srv.Close()
//	acct := srv.AddAccount("user-1", googlefake.AccountConfig{People: 100_000, Events: 50_000})
//	ps, _ := people.NewService(ctx, append(srv.PeopleOptions(), option.WithTokenSource(acct.TokenSource()))...)
//	cs, _ := calendar.NewService(ctx, append(srv.CalendarOptions(), option.WithTokenSource(acct.TokenSource()))...)
//
// Many accounts share one server. The account of a request is chosen by its
// "Authorization: Bearer <token>" header; an unknown or missing token, or the
// token of a revoked account (Account.Revoke), gets 401 in Google's shape.
// Server.TokenSourceFunc is the per-user token-source hook the syncs' configs
// take.
//
// # Lazy, deterministic accounts
//
// An account is generated from (server seed, account key, size): person i,
// group g and event k are computed from their index on every request, so an
// account of 100,000 people or 50,000 events is served page by page without
// ever being materialized, and the server's memory does not grow with the
// size. Only explicit changes made through the mutation API (Change, Add,
// Delete, Merge, group and event changes) are kept, in maps and a change
// log. The same seed, key and mutations always give the same bytes.
//
// # Tokens
//
// Page tokens and sync tokens are opaque (base64 of a binary record). A sync
// token is a position in the account's change sequence: a full pass returns
// every live item, an incremental pass returns what changed after the token
// (deleted people as resourceName+etag+metadata.deleted, cancelled events as
// status "cancelled"). nextSyncToken comes only on the last page, and for
// people only with requestSyncToken=true. A page or sync token used with
// other parameters than its chain started with gets the 400
// INVALID_ARGUMENT the real API gives. Account.ExpireTokens expires every
// earlier sync token, answered as People 400 FAILED_PRECONDITION with
// ErrorInfo reason EXPIRED_SYNC_TOKEN (or a bare 410, per account) and as
// Calendar 410 fullSyncRequired.
//
// # Calendars
//
// Every account lists four calendars (calendarList.list): its primary
// calendar (ID Account.Email(), also reachable as "primary"; owner), a team
// calendar (…@group.calendar.google.com; writer), a holidays calendar
// (reader, all-day events only) and a colleague's calendar
// (freeBusyReader: its events carry only id, status, times and updated).
// AccountConfig.Events sizes the primary calendar; team and colleague get a
// tenth. Generated events span AccountConfig.CalendarRange around the
// anchor: weekly series expanded as instances (recurringEventId,
// originalStartTime, some moved, some cancelled and then carrying only id,
// status, recurringEventId and originalStartTime), all-day events (end date
// exclusive), timed events in several zones with offsets, and meetings
// whose attendees are the account's own address (self), people of the
// account (their generated addresses, primary or secondary, sometimes in
// another case), strangers, resource rooms and group calendars, with a mix
// of response statuses; a few have 200 attendees.
//
// events.list implements singleEvents=true, showDeleted, timeMin (on the
// event's end), timeMax (on its start), updatedMin (older than 28 days: 410
// updatedMinTooLongAgo), maxResults (default 250, capped at 2500),
// maxAttendees, eventTypes, syncToken and pageToken with the real
// parameter rules (timeMin, timeMax, updatedMin, orderBy, q, iCalUID, the
// extended-property filters or showDeleted=false with a syncToken: 400). It
// answers 400 to singleEvents=false and to orderBy, q, iCalUID and the
// extended-property filters on full passes, which it does not implement.
// An unknown or expired sync token is 410 fullSyncRequired. Sync tokens
// belong to the calendar, whichever of "primary" or its ID was used.
//
// # Scripted failures and recording
//
// Server.Script adds a Rule: requests matching an account, an endpoint, a
// page of a chain (or any request) and a hit count are answered with a Fault
// (429 with or without Retry-After, 5xx, an HTML 502, Calendar 403 rate and
// quota errors, expired tokens, 401, a truncated 200, a dropped connection, or
// a response held until a Gate is released or the request's context ends)
// for a number of times, then normally. Every request is counted and, up to
// Config.MaxRecords, recorded with its query (Server.Requests, Server.Hits).
//
// # What it cannot show about the real API
//
// Shapes and status codes follow the reference checked against the v0.312.0
// client (shared/reference/google-sync.md); several details of the real
// service are unknown and the fake picks one behaviour: the exact messages of
// 400 errors for changed parameters, whether deleted people carry more than
// resourceName, etag and metadata.deleted (here they do not), whether
// merged-away people are also reported deleted (here they are not: only the
// survivor's metadata.previousResourceNames names them), real quotas and
// their Retry-After, the propagation delay of writes to sync requests (here
// none), token lifetimes (only ExpireTokens expires them), sort orders (full
// passes are in index order, incremental passes in change order), the
// "fields" partial-response parameter (ignored), If-None-Match (ignored),
// the Calendar 400 bodies for forbidden parameter combinations, how long
// cancelled events stay listed (here: for ever), and recurrence beyond the
// weekly series it expands itself. Calendar attendees are drawn from the
// people's generated addresses: editing a person through Change does not
// change the events they attend.
// It serves plain HTTP; TLS, HTTP/2, compression and OAuth token refresh
// against accounts.google.com are not exercised.
package googlefake
