// Package calendar syncs users' Google Calendar events into kith and
// turns meetings into "last contacted" dates.
//
// A [Store] holds the synced events of each user's calendars (one row per
// event instance, with the attendees that can count) and applies them to
// contacts: [Store.ApplyInteractions] moves a contact's last-contact date
// forward to the end of the latest real meeting the user had with them,
// matched by every address of the contact (normalized as
// contacts.NormalizeEmail on both sides), in one set-based statement per
// call. A per-user watermark says up to when meetings were applied, so a
// host can call it on a schedule and meetings that end in the future
// count when they end. [Store.UnmatchedAttendees] lists the people the
// user met who are not contacts yet, ranked by meetings.
//
// [Store.WriteEvents] writes one page of events in one statement;
// [Store.BeginFullPass] and [Store.EndFullPass] bracket a full pass, whose
// end deletes the stored events the pass did not return (a per-pass
// marker, no in-memory set of IDs).
//
// Which meetings count is set by [Rules]: ended, not cancelled, attended
// by the user (organizer or accepted, by default), not all-day (by
// default), at most ten people (by default); attendees who are the user,
// rooms, groups or who declined never count.
package calendar
