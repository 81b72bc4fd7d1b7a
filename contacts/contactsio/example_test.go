package contactsio_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/kithhq/kith/contacts/contactsio"
	"github.com/kithhq/kith/memguard"
)

// An HTTP handler that streams a user's address book as a download. Memory
// stays flat whatever the number of contacts. (Compiled, not run: it needs
// a database.)
func ExampleExportVCard() {
	var db *sqlx.DB                                             // the host's, after kith.Migrate
	userOf := func(*http.Request) uuid.UUID { return uuid.Nil } // the host's auth

	http.HandleFunc("GET /contacts.vcf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/vcard; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="contacts.vcf"`)
		n, err := contactsio.ExportVCard(r.Context(), w, db, userOf(r), contactsio.ExportOptions{})
		if err != nil {
			// Headers are sent: the client sees a truncated file. Log it.
			log.Printf("export after %d contacts: %v", n, err)
		}
	})
}

// Importing a file reports each refused record with its line; the others
// are imported. (Compiled, not run: it needs a database.)
func ExampleImport() {
	var db *sqlx.DB // the host's, after kith.Migrate
	var breaker memguard.Breaker
	user := uuid.New()

	f, err := os.Open("contacts.csv")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	rep, err := contactsio.Import(context.Background(), db, user, f, contactsio.CSV, contactsio.ImportOptions{Breaker: breaker})
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
}
