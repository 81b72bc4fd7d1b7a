package contactsio_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/google/uuid"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/contacts/contactsio"
	"github.com/kithhq/kith/internal/exampledb"
	"github.com/kithhq/kith/memguard"
)

// An HTTP handler that streams a user's address book as a download. Memory
// stays flat whatever the number of contacts.
func ExampleExportVCard() {
	db, done := exampledb.New("ExampleExportVCard") // in a host: its *sqlx.DB, after kith.Migrate
	defer done()
	user := uuid.New()
	userOf := func(*http.Request) uuid.UUID { return user } // the host's auth

	mux := http.NewServeMux()
	mux.HandleFunc("GET /contacts.vcf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/vcard; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="contacts.vcf"`)
		n, err := contactsio.ExportVCard(r.Context(), w, db, userOf(r), contactsio.ExportOptions{})
		if err != nil {
			// Headers are sent: the client sees a truncated file. Log it.
			log.Printf("export after %d contacts: %v", n, err)
		}
	})

	// The example's part: one contact, then a download through the handler.
	store, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := store.Create(context.Background(), user, contacts.Contact{Name: "Ada Lovelace", Email: "ada@example.com"}); err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/contacts.vcf")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Header.Get("Content-Type"))
	for line := range strings.Lines(string(body)) { // vCard lines end in CRLF
		line = strings.TrimRight(line, "\r\n")
		if strings.HasPrefix(line, "REV:") || strings.HasPrefix(line, "UID:") {
			continue // the contact's update time and ID differ on each run
		}
		fmt.Println(line)
	}
	// Output:
	// text/vcard; charset=utf-8
	// BEGIN:VCARD
	// VERSION:4.0
	// EMAIL;PREF=1:ada@example.com
	// FN:Ada Lovelace
	// END:VCARD
}

// Importing a file reports each refused record with its line; the others
// are imported. Exporting it again gives the file back in kith's format.
func ExampleImport() {
	db, done := exampledb.New("ExampleImport") // in a host: its *sqlx.DB, after kith.Migrate
	defer done()
	ctx, user := context.Background(), uuid.New()

	file := strings.NewReader(`name,email,other_emails,tags,notes
Ada Lovelace,ada@example.com,countess@lovelace.example; ada@analytical.example,math; history,"Likes engines, and ""notes"""
Bob,not-an-address,,,
,nobody@example.com,,,
Chloé,chloe@example.org,,,
Dan,dan@example.com,dan@example.com; Dan <dan@work.example>,,
`)
	var breaker memguard.Breaker // the host's, or nil
	rep, err := contactsio.Import(ctx, db, user, file, contactsio.CSV, contactsio.ImportOptions{Breaker: breaker})
	if errors.Is(err, memguard.ErrMemoryPressure) {
		// Pages before rep.Records are written: resume later with
		// ImportOptions{SkipRecords: rep.Records}.
		return
	}
	if err != nil {
		log.Fatal(err) // not a CSV kith can read, or the database failed
	}
	fmt.Printf("%d imported, %d already there, %d refused\n", rep.Imported, rep.Skipped, rep.RejectedTotal)
	for _, e := range rep.Rejected {
		fmt.Printf("line %d: %s: %s\n", e.Line, e.Field, e.Reason)
	}

	var out strings.Builder
	n, err := contactsio.ExportCSV(ctx, &out, db, user, contactsio.ExportOptions{})
	if err != nil {
		log.Fatal(err)
	}
	header, rest, _ := strings.Cut(out.String(), "\n")
	fmt.Println(n, "exported under the header:")
	fmt.Println(header)
	for _, row := range strings.Split(rest, "\n") {
		if f := strings.Split(row, ","); len(f) > 3 && f[1] == "Ada Lovelace" {
			fmt.Println("Ada's other_emails:", f[3])
		}
	}
	// Output:
	// 2 imported, 0 already there, 3 refused
	// line 3: email: "not-an-address" is not a bare email address
	// line 4: name: required
	// line 6: other_emails: "Dan <dan@work.example>" is not a bare email address
	// 2 exported under the header:
	// id,name,email,other_emails,phone,linkedin,instagram,x_handle,other_social,location,time_zone,notes,tags,frequency,circle,circle_assigned_at,last_contact_date,archived,created_at,updated_at
	// Ada's other_emails: countess@lovelace.example; ada@analytical.example
}
