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
// # Resources
//
// A resource names what one sync token covers for one user: "people" for
// Google Contacts, "calendarList" for the calendar list and
// "calendar:<calendarID>" for one calendar's events. The lock, the state
// row and the run history are all per (user, resource).
package gsync
