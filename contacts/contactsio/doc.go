// Package contactsio exports a user's contacts as vCard 4.0 or CSV and
// imports the same formats.
//
// It is a package of its own, apart from contacts and stream, so that a
// host that only stores and streams contacts does not compile the vCard
// library (github.com/emersion/go-vcard) or the format code: contacts
// stays the model and the store, stream the walks, and contactsio ("contacts
// in and out", as io is bytes in and out) the file formats built on both.
//
// # Export
//
// [ExportVCard] and [ExportCSV] walk the user's contacts with
// stream.Contacts (keyset pages in creation order, archived contacts
// included unless ExportOptions.SkipArchived) and write each contact as it
// arrives: memory stays flat whatever the number of contacts, and nothing
// holds a transaction or a connection between pages. The walk is not a
// snapshot: contacts created or deleted during an export may or may not be
// in it; every other contact is written exactly once.
//
// # Import
//
// [Import] reads a file record by record (a vCard, or a CSV row), turns each
// into a contacts.Contact, and writes them in pages, one INSERT statement
// per page (contacts.Store.CreateMany). A page is the one place the import
// holds contacts in memory: its size comes from a memguard.Adaptive
// controller fed by ImportOptions.Breaker (at most ImportOptions.PageSize
// rows, and a page is also cut at about 8 MiB of text), and the breaker is
// checked before each page is written.
//
// A record that cannot be read or that contacts' validation refuses is
// reported in ImportReport.Rejected with its line and the reason; the others
// are imported. A file is never refused for one bad record. Only a file
// that cannot be read at all (a CSV without a name column, a read error)
// or a database failure stops an import.
//
// Re-importing: a record whose UID (vCard) or id column (CSV) names a
// contact the user already has is skipped, so re-importing a user's own
// export creates only what is no longer there. Every other record creates a
// new contact with a new ID: importing the same file twice into another
// account (or a file from another application, whose UIDs kith does not
// know) creates duplicates. kith does not match by name or email on import.
//
// # vCard mapping
//
// Each contact is one vCard 4.0 (RFC 6350):
//
//	UID                     urn:uuid:<Contact.ID>
//	FN                      Name (import: FN, else the N components joined by spaces)
//	EMAIL;PREF=1            Email (import: the EMAIL with the lowest PREF, else the first)
//	EMAIL                   OtherEmails, one EMAIL property each, in order (import:
//	                        every EMAIL but the one taken as Email, in file order)
//	TEL;VALUE=text          Phone (import: the preferred TEL; a "tel:" prefix is dropped)
//	ADR                     Location, as the locality component (import: the
//	                        non-empty components joined by ", "); a ";" in a
//	                        location is written as ","
//	NOTE                    Notes (import: several NOTEs are joined by a blank line)
//	TZ                      TimeZone, an IANA name
//	CATEGORIES              Tags, one CATEGORIES property per tag (import: every
//	                        CATEGORIES value, split on ","; a tag containing a
//	                        comma comes back as several tags)
//	X-SOCIALPROFILE;TYPE=t  LinkedIn (t=linkedin), Instagram (instagram), XHandle
//	                        (x; import also takes twitter), OtherSocial (t = network)
//	URL                     import only: a linkedin.com, instagram.com, x.com or
//	                        twitter.com URL fills that field when no
//	                        X-SOCIALPROFILE did
//	X-KITH-FREQUENCY        Frequency ("monthly", ...)
//	X-KITH-CIRCLE           Circle ("close", ...)
//	X-KITH-CIRCLE-ASSIGNED-AT CircleAssignedAt, RFC 3339
//	X-KITH-LAST-CONTACT     LastContactDate, RFC 3339 (import also takes a date)
//	X-KITH-ARCHIVED         "true" when Archived
//	REV                     UpdatedAt (export only)
//
// vCard 3.0 files are read the same way. Lines are not folded on export
// (folding is optional in RFC 6350; readers unfold). Properties not listed
// are ignored on import.
//
// # CSV
//
// A CSV export (encoding/csv, RFC 4180, "\n" line ends) starts with this
// header, in this order, which does not change:
//
//	id,name,email,other_emails,phone,linkedin,instagram,x_handle,other_social,location,time_zone,notes,tags,frequency,circle,circle_assigned_at,last_contact_date,archived,created_at,updated_at
//
// Lists are joined with "; " (tags: "family; climbing"; a tag containing
// ";" comes back as several; other_emails: "ann@work.example;
// ann@home.example"), other_social as "network: handle" pairs
// joined the same way, times in RFC 3339 (UTC, to the microsecond), archived
// as "true" or "false", absent values as "". Commas, quotes and line breaks
// inside fields are quoted as RFC 4180 says.
//
// On import the header row is required and columns are matched by name,
// case-insensitively, in any order: a file with just "name,email" imports.
// A name column is required; unknown columns are ignored and listed in
// ImportReport.IgnoredColumns; created_at and updated_at are ignored (the
// store sets them). last_contact_date and circle_assigned_at also take a
// plain date (2006-01-02, as UTC midnight); archived takes true/false,
// yes/no, 1/0.
//
// Email addresses (email and each other_emails entry, in either format) are
// validated as the store validates them (contacts.NormalizeEmail): a record
// with an address it refuses is rejected with its line, field "email" or
// "other_emails"; no address is dropped. An other_emails entry that repeats
// another address of the contact (in normalized form) is stored once.
//
// The CSV is data, not a spreadsheet: a value that starts with "=", "+",
// "-" or "@" is written as it is (a phone number "+44 ..."), which
// spreadsheet programs may read as a formula.
//
// # Not mapped
//
// Google sync fields (resource name, etag, last synced at), the model's
// circle fields (confidence, AI-suggested circle) and group memberships are
// not exported: they describe a link to another system or derived data, not
// the person, and group IDs mean nothing in another account. Imported
// contacts get Source ImportOptions.Source ("import" by default).
package contactsio
