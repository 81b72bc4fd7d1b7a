// Package contacts is kith's model of the people a user keeps in touch
// with, and the Store that reads and writes them in the host's PostgreSQL.
//
// # Model
//
// A [Contact] is everything kith stores about one person: names and
// handles, notes, the last time the user was in touch ([Contact.LastContactDate],
// nil for never) and how often they want to be ([Frequency]), the Dunbar
// layer ([Circle]) a user or a model assigned, and the groups ([Group]) it
// belongs to. A [MinimalContact] is the hot-path projection that streams and
// suggestions read: ID, name, last contact, frequency, groups, archived.
// [Contact.Validate] checks a contact before any write; a refusal is a
// *[FieldError] naming the field.
//
// # Store
//
// [NewStore] takes the host's handle as a kith.DB: a pool (*sql.DB,
// *sqlx.DB) autocommits each call, a transaction (*sql.Tx, *sqlx.Tx) is
// joined. Every method takes the ID of the user it acts for and every
// statement is scoped by it: one user's rows are never visible to, or
// changed for, another. Writes from a Google sync go through
// [Store.ApplyGooglePage] (a few set-based statements per page, in the
// sync's transaction: [Store.WithTx]), [Store.SyncGoogleGroups] and
// [Store.ReconcileGoogle]; lists for a UI through
// [Store.List] and [Store.Search] (pages with tokens, never OFFSET). To walk
// all of a user's contacts with flat memory, use package stream; to export
// or import files, package contacts/contactsio.
//
// # Errors
//
// Errors match the package's sentinels with errors.Is: [ErrNotFound] (for
// another user's rows too), [ErrInvalid] (a *FieldError, or a bad Config),
// [ErrDuplicate] and the others declared below. They read "contacts:
// <kind>: <what was being done>", and keep the driver's error in their
// chain without showing its text (no constraint names, no SQL).
package contacts
