package contactsio_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/contacts/contactsio"
	"github.com/kithhq/kith/kithtest"
	"github.com/kithhq/kith/memguard"
	"github.com/kithhq/kith/memguard/memguardtest"
	"github.com/kithhq/kith/stream"
)

func ptr[T any](v T) *T { return &v }

// fixture is a set of contacts covering every mapped field and the text
// that formats must escape: Unicode names, commas, quotes, semicolons,
// backslashes and line breaks.
func fixture() []contacts.Contact {
	at := time.Date(2026, 3, 1, 12, 30, 45, 123456000, time.UTC)
	return []contacts.Contact{
		{
			Name: "Ada Lovelace", Email: "ada@example.com", Phone: "+44 20 7946 0000",
			OtherEmails: []string{"countess@lovelace.example", "Ada@Analytical.Example"},
			LinkedIn:    "https://linkedin.com/in/ada", Instagram: "ada", XHandle: "@ada",
			OtherSocial: map[string]string{"mastodon": "@ada@example.social", "GitHub": "ada"},
			Location:    "London, UK", TimeZone: "Europe/London", Notes: "Likes engines.\nSecond line, with \"quotes\", commas; semicolons and a \\ backslash.",
			LastContactDate: ptr(at), Frequency: contacts.FrequencyMonthly, Tags: []string{"math", "history", "über"},
			Circle: contacts.CircleClose, CircleAssignedAt: ptr(at.Add(-time.Hour)),
		},
		{Name: "Chloé Éric-Ñúñez 王小明", Email: "chloe@example.org", Notes: "日本語のメモ 🎉", TimeZone: "Asia/Tokyo"},
		{Name: "O'Brien, \"Bob\"", Phone: "555-0100", Archived: true, Frequency: contacts.FrequencyWeekly},
		{Name: "Ünïcode Ω", Location: "Zürich", Notes: "line one\n\nline three\n"},
		{Name: "Minimal"},
	}
}

// seed creates cs for a new user and returns the user.
func seed(t *testing.T, db *sqlx.DB, cs []contacts.Contact) uuid.UUID {
	t.Helper()
	s, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		t.Fatal(err)
	}
	user := uuid.New()
	res, err := s.CreateMany(context.Background(), user, cs)
	if err != nil || res.Created != len(cs) {
		t.Fatalf("seed: %+v, %v", res.Rejected, err)
	}
	return user
}

// all returns every contact of user, archived included, keyed by name.
func all(t *testing.T, db *sqlx.DB, user uuid.UUID) map[string]contacts.Contact {
	t.Helper()
	cs, err := stream.Collect(stream.Contacts(context.Background(), db, user, stream.Options{IncludeArchived: true}))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]contacts.Contact{}
	for _, c := range cs {
		out[c.Name] = c
	}
	return out
}

// sameMapped fails unless got and want agree on every mapped field.
func sameMapped(t *testing.T, got, want contacts.Contact) {
	t.Helper()
	times := func(a, b *time.Time) bool {
		return (a == nil) == (b == nil) && (a == nil || a.Equal(*b))
	}
	if got.Name != want.Name || got.Email != want.Email || got.Phone != want.Phone ||
		!slices.Equal(got.OtherEmails, want.OtherEmails) && len(got.OtherEmails)+len(want.OtherEmails) > 0 ||
		got.LinkedIn != want.LinkedIn || got.Instagram != want.Instagram || got.XHandle != want.XHandle ||
		!maps.Equal(got.OtherSocial, want.OtherSocial) && len(got.OtherSocial)+len(want.OtherSocial) > 0 ||
		got.Location != want.Location || got.TimeZone != want.TimeZone || got.Notes != want.Notes ||
		!times(got.LastContactDate, want.LastContactDate) || got.Frequency != want.Frequency ||
		!slices.Equal(got.Tags, want.Tags) && len(got.Tags)+len(want.Tags) > 0 ||
		got.Archived != want.Archived || got.Circle != want.Circle || !times(got.CircleAssignedAt, want.CircleAssignedAt) {
		t.Errorf("%q differs:\n got %+v\nwant %+v", want.Name, got, want)
	}
}

var formats = []struct {
	format contactsio.Format
	export func(ctx context.Context, w io.Writer, db *sqlx.DB, user uuid.UUID, opts contactsio.ExportOptions) (int, error)
}{
	{contactsio.VCard, func(ctx context.Context, w io.Writer, db *sqlx.DB, user uuid.UUID, opts contactsio.ExportOptions) (int, error) {
		return contactsio.ExportVCard(ctx, w, db, user, opts)
	}},
	{contactsio.CSV, func(ctx context.Context, w io.Writer, db *sqlx.DB, user uuid.UUID, opts contactsio.ExportOptions) (int, error) {
		return contactsio.ExportCSV(ctx, w, db, user, opts)
	}},
}

// Export then import into another user gives back every mapped field;
// importing the file again into the first user skips every contact.
func TestRoundTrip(t *testing.T) {
	db := kithtest.DB(t)
	ctx := context.Background()
	want := fixture()
	alice := seed(t, db, want)
	for _, f := range formats {
		t.Run(f.format.String(), func(t *testing.T) {
			var buf bytes.Buffer
			n, err := f.export(ctx, &buf, db, alice, contactsio.ExportOptions{})
			if err != nil || n != len(want) {
				t.Fatalf("export: %d, %v; want %d", n, err, len(want))
			}
			bob := uuid.New()
			rep, err := contactsio.Import(ctx, db, bob, bytes.NewReader(buf.Bytes()), f.format, contactsio.ImportOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Imported != len(want) || rep.RejectedTotal != 0 || rep.Skipped != 0 || rep.Records != len(want) {
				t.Fatalf("import: %+v\n%s", rep, buf.String())
			}
			got := all(t, db, bob)
			for _, w := range want {
				g, ok := got[w.Name]
				if !ok {
					t.Fatalf("%q missing after import", w.Name)
				}
				sameMapped(t, g, w)
				if g.Source != "import" {
					t.Errorf("%q: source %q, want import", w.Name, g.Source)
				}
			}

			// Re-importing into the owner: every contact is still there.
			rep, err = contactsio.Import(ctx, db, alice, bytes.NewReader(buf.Bytes()), f.format, contactsio.ImportOptions{})
			if err != nil || rep.Skipped != len(want) || rep.Imported != 0 {
				t.Fatalf("re-import: %+v, %v", rep, err)
			}
			// SkipArchived leaves the archived contact out.
			buf.Reset()
			if n, err := f.export(ctx, &buf, db, alice, contactsio.ExportOptions{SkipArchived: true}); err != nil || n != len(want)-1 {
				t.Fatalf("export without archived: %d, %v", n, err)
			}
		})
	}
}

func TestExportVCardText(t *testing.T) {
	db := kithtest.DB(t)
	user := seed(t, db, fixture()[:1])
	var buf bytes.Buffer
	if _, err := contactsio.ExportVCard(context.Background(), &buf, db, user, contactsio.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, line := range []string{
		"BEGIN:VCARD\r\nVERSION:4.0\r\n", "FN:Ada Lovelace\r\n", "EMAIL;PREF=1:ada@example.com\r\n",
		"TEL;VALUE=text:+44 20 7946 0000\r\n", "ADR:;;;London\\, UK;;;\r\n", "TZ:Europe/London\r\n",
		"CATEGORIES:math\r\n", "CATEGORIES:über\r\n", "X-SOCIALPROFILE;TYPE=linkedin:https://linkedin.com/in/ada\r\n",
		"X-SOCIALPROFILE;TYPE=mastodon:@ada@example.social\r\n", "X-KITH-FREQUENCY:monthly\r\n",
		"X-KITH-LAST-CONTACT:2026-03-01T12:30:45.123456Z\r\n", "NOTE:Likes engines.\\nSecond line\\, with",
		"END:VCARD\r\n",
	} {
		if !strings.Contains(out, line) {
			t.Errorf("export lacks %q:\n%s", line, out)
		}
	}
}

func TestExportCSVHeader(t *testing.T) {
	db := kithtest.DB(t)
	var buf bytes.Buffer
	n, err := contactsio.ExportCSV(context.Background(), &buf, db, uuid.New(), contactsio.ExportOptions{})
	if err != nil || n != 0 {
		t.Fatal(n, err)
	}
	const header = "id,name,email,other_emails,phone,linkedin,instagram,x_handle,other_social,location,time_zone,notes,tags,frequency,circle,circle_assigned_at,last_contact_date,archived,created_at,updated_at\n"
	if buf.String() != header {
		t.Fatalf("empty export %q, want the header alone", buf.String())
	}
}

// A file with bad records imports the good ones and names each bad one's
// line and reason.
func TestImportBadRecords(t *testing.T) {
	db := kithtest.DB(t)
	ctx := context.Background()
	type rejected struct {
		line  int
		field string
	}
	cases := []struct {
		name   string
		format contactsio.Format
		file   string
		names  []string // imported
		bad    []rejected
	}{
		{"csv", contactsio.CSV, "Name,Email,Notes,Favourite colour\n" + // line 1: header, an unknown column
			"Ann,ann@example.com,\"multi\nline, \"\"quoted\"\"\",red\n" + // lines 2-3
			"Bob,not-an-email,,blue\n" + // line 4: bad email
			",nobody@example.com,,\n" + // line 5: no name
			"Cleo,cleo@example.com,\n" + // line 6: 3 fields
			"Dan,dan@example.com,bad \"quote,\n" + // line 7: bare quote
			"Eve,eve@example.com,,green\n", // line 8
			[]string{"Ann", "Eve"},
			[]rejected{{4, "email"}, {5, "name"}, {6, ""}, {7, ""}},
		},
		{"csv other_emails", contactsio.CSV, "name,email,other_emails\n" + // line 1
			"Ann,ann@example.com,ann@work.example; ann@home.example\n" + // line 2
			"Bob,bob@example.com,bob@work.example; not-an-email\n" + // line 3: a bad other address
			"Cleo,,cleo@example.com\n", // line 4: other addresses without a primary
			[]string{"Ann", "Cleo"},
			[]rejected{{3, "other_emails"}},
		},
		{"vcard", contactsio.VCard, "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ann\r\nEMAIL:ann@example.com\r\nEND:VCARD\r\n" + // lines 1-5
			"BEGIN:VCARD\nVERSION:4.0\nFN:Bob\nEMAIL:not-an-email\nEND:VCARD\n" + // lines 6-10: bad email
			"BEGIN:VCARD\nVERSION:3.0\nN:Doe;Jane;;Dr.;\nX-KITH-FREQUENCY:hourly\nEND:VCARD\n" + // 11-15: bad frequency
			"BEGIN:VCARD\nVERSION:4.0\nFN:Cleo\n" + // 16-18: never ends
			"BEGIN:VCARD\nVERSION:4.0\nFN:Dan\nX-KITH-LAST-CONTACT:yesterday\nEND:VCARD\n" + // 19-23
			"stray text\n" + // 24
			"BEGIN:VCARD\nVERSION:3.0\nN:Doe;Jane;;Dr.;\nTEL;TYPE=cell:111\nTEL;PREF=1:tel:+1-222\nEND:VCARD\n" + // 25-30
			"BEGIN:VCARD\nVERSION:4.0\nEND:VCARD\n", // 31-33: no name
			[]string{"Ann", "Dr. Jane Doe"},
			[]rejected{{6, "email"}, {11, "frequency"}, {16, ""}, {19, "last_contact_date"}, {24, ""}, {31, "name"}},
		},
		{"vcard other_emails", contactsio.VCard, "BEGIN:VCARD\nVERSION:4.0\nFN:Ann\nEMAIL:ann@example.com\nEMAIL:ann@work.example\nEND:VCARD\n" + // 1-6
			"BEGIN:VCARD\nVERSION:4.0\nFN:Bob\nEMAIL;PREF=1:bob@example.com\nEMAIL:Bob <bob@work.example>\nEND:VCARD\n", // 7-12: a bad other address
			[]string{"Ann"},
			[]rejected{{7, "other_emails"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, dry := range []bool{true, false} {
				user := uuid.New()
				rep, err := contactsio.Import(ctx, db, user, strings.NewReader(tc.file), tc.format, contactsio.ImportOptions{DryRun: dry})
				if err != nil {
					t.Fatal(err)
				}
				var got []rejected
				for _, e := range rep.Rejected {
					got = append(got, rejected{e.Line, e.Field})
					if !errors.Is(e, contactsio.ErrInvalid) || e.Reason == "" {
						t.Errorf("%v: no reason or not ErrInvalid", e)
					}
				}
				if !slices.Equal(got, tc.bad) || rep.RejectedTotal != len(tc.bad) || rep.Imported != len(tc.names) {
					t.Fatalf("dry run %t: imported %d, rejected %v; want %d, %v\n%+v", dry, rep.Imported, got, len(tc.names), tc.bad, rep.Rejected)
				}
				stored := all(t, db, user)
				if dry {
					if len(stored) != 0 {
						t.Fatalf("dry run wrote %d contacts", len(stored))
					}
					continue
				}
				if got := slices.Sorted(maps.Keys(stored)); !slices.Equal(got, tc.names) {
					t.Fatalf("stored %v, want %v", got, tc.names)
				}
				switch tc.name {
				case "csv":
					if n := stored["Ann"].Notes; n != "multi\nline, \"quoted\"" {
						t.Errorf("notes %q", n)
					}
					if !slices.Equal(rep.IgnoredColumns, []string{"Favourite colour"}) {
						t.Errorf("ignored columns %q", rep.IgnoredColumns)
					}
				case "vcard":
					if p := stored["Dr. Jane Doe"].Phone; p != "+1-222" {
						t.Errorf("phone %q, want the preferred one without tel:", p)
					}
				case "csv other_emails":
					if c := stored["Ann"]; !slices.Equal(c.OtherEmails, []string{"ann@work.example", "ann@home.example"}) {
						t.Errorf("Ann's other emails %q", c.OtherEmails)
					}
					if c := stored["Cleo"]; c.Email != "" || !slices.Equal(c.OtherEmails, []string{"cleo@example.com"}) {
						t.Errorf("Cleo's emails %q %q", c.Email, c.OtherEmails)
					}
				case "vcard other_emails":
					if c := stored["Ann"]; c.Email != "ann@example.com" || !slices.Equal(c.OtherEmails, []string{"ann@work.example"}) {
						t.Errorf("Ann's emails %q %q", c.Email, c.OtherEmails)
					}
				}
			}
		})
	}
}

func TestImportMaxRejected(t *testing.T) {
	db := kithtest.DB(t)
	var file strings.Builder
	file.WriteString("name,email\n")
	for i := range 10 {
		fmt.Fprintf(&file, "P%d,bad%d\n", i, i)
	}
	rep, err := contactsio.Import(context.Background(), db, uuid.New(), strings.NewReader(file.String()), contactsio.CSV, contactsio.ImportOptions{MaxRejected: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rejected) != 3 || rep.RejectedTotal != 10 || rep.Rejected[2].Line != 4 {
		t.Fatalf("%+v", rep)
	}
}

func TestImportFileErrors(t *testing.T) {
	db := kithtest.DB(t)
	ctx := context.Background()
	user := uuid.New()
	for name, file := range map[string]string{
		"empty":        "",
		"no name":      "email,phone\nann@example.com,1\n",
		"twice":        "name,Name\na,b\n",
		"unterminated": "name,notes\nAnn,\"" + strings.Repeat("x\n", contactsio.MaxRecordBytes),
	} {
		_, err := contactsio.Import(ctx, db, user, strings.NewReader(file), contactsio.CSV, contactsio.ImportOptions{})
		if !errors.Is(err, contactsio.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	// A card too long is rejected alone.
	big := "BEGIN:VCARD\nVERSION:4.0\nFN:Big\nNOTE:" + strings.Repeat("x", contactsio.MaxRecordBytes) + "\nEND:VCARD\n" +
		"BEGIN:VCARD\nVERSION:4.0\nFN:Small\nEND:VCARD\n"
	rep, err := contactsio.Import(ctx, db, user, strings.NewReader(big), contactsio.VCard, contactsio.ImportOptions{})
	if err != nil || rep.Imported != 1 || rep.RejectedTotal != 1 || rep.Rejected[0].Line != 1 {
		t.Fatalf("%+v, %v", rep, err)
	}
}

func TestArguments(t *testing.T) {
	db := kithtest.DB(t)
	ctx := context.Background()
	user := uuid.New()
	var nilDB *sqlx.DB
	check := func(name string, err error) {
		t.Helper()
		if !errors.Is(err, contactsio.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	_, err := contactsio.ExportVCard(ctx, io.Discard, db, uuid.Nil, contactsio.ExportOptions{})
	check("export nil user", err)
	_, err = contactsio.ExportCSV(ctx, io.Discard, nilDB, user, contactsio.ExportOptions{})
	check("export typed-nil db", err)
	_, err = contactsio.ExportCSV(ctx, io.Discard, db, user, contactsio.ExportOptions{Schema: "Bad-Schema"})
	check("export bad schema", err)
	file := func() io.Reader { return strings.NewReader("name\nAnn\n") }
	_, err = contactsio.Import(ctx, db, uuid.Nil, file(), contactsio.CSV, contactsio.ImportOptions{})
	check("import nil user", err)
	_, err = contactsio.Import(ctx, nil, user, file(), contactsio.CSV, contactsio.ImportOptions{})
	check("import nil db", err)
	_, err = contactsio.Import(ctx, db, user, file(), 0, contactsio.ImportOptions{})
	check("import no format", err)
	_, err = contactsio.Import(ctx, db, user, file(), contactsio.CSV, contactsio.ImportOptions{PageSize: contacts.MaxCreateMany + 1})
	check("import page size", err)
	_, err = contactsio.Import(ctx, db, user, nil, contactsio.CSV, contactsio.ImportOptions{})
	check("import nil reader", err)
	if got := all(t, db, user); len(got) != 0 {
		t.Fatalf("refused calls wrote %d contacts", len(got))
	}
}

// cancelWriter cancels its context once it has taken more than after
// bytes.
type cancelWriter struct {
	after  int
	n      int
	cancel context.CancelFunc
}

func (w *cancelWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	if w.n > w.after {
		w.cancel()
	}
	return len(p), nil
}

// manyContacts seeds n small contacts for a new user.
func manyContacts(t *testing.T, db *sqlx.DB, n int) uuid.UUID {
	t.Helper()
	cs := make([]contacts.Contact, n)
	for i := range cs {
		cs[i] = contacts.Contact{Name: fmt.Sprintf("Person %05d", i), Email: fmt.Sprintf("p%d@example.com", i), Notes: strings.Repeat("n", 100)}
	}
	var user uuid.UUID
	for chunk := range slices.Chunk(cs, contacts.MaxCreateMany) {
		if user == uuid.Nil {
			user = seed(t, db, chunk)
			continue
		}
		s, _ := contacts.NewStore(db, contacts.Config{})
		if _, err := s.CreateMany(context.Background(), user, chunk); err != nil {
			t.Fatal(err)
		}
	}
	return user
}

// Cancelling the context ends an export early with the context's error.
func TestExportCancel(t *testing.T) {
	db := kithtest.DB(t)
	const total = 5000
	user := manyContacts(t, db, total)
	for _, f := range formats {
		ctx, cancel := context.WithCancel(context.Background())
		w := &cancelWriter{after: 100 << 10, cancel: cancel}
		n, err := f.export(ctx, w, db, user, contactsio.ExportOptions{})
		cancel()
		if !errors.Is(err, context.Canceled) || n == 0 || n >= total {
			t.Fatalf("%v: wrote %d of %d, %v; want context.Canceled part way", f.format, n, total, err)
		}
	}
}

// cancelReader cancels its context once it has given more than after
// bytes.
type cancelReader struct {
	r      io.Reader
	after  int
	n      int
	cancel context.CancelFunc
}

func (r *cancelReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p[:min(len(p), 512)])
	r.n += n
	if r.n > r.after {
		r.cancel()
	}
	return n, err
}

// Cancelling the context ends an import after the last page written; the
// report says how far it got, and resuming from there imports the rest once.
func TestImportCancelAndResume(t *testing.T) {
	db := kithtest.DB(t)
	const total = 3000
	src := manyContacts(t, db, total)
	var file bytes.Buffer
	if _, err := contactsio.ExportCSV(context.Background(), &file, db, src, contactsio.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	user := uuid.New()
	ctx, cancel := context.WithCancel(context.Background())
	r := &cancelReader{r: bytes.NewReader(file.Bytes()), after: file.Len() / 2, cancel: cancel}
	rep, err := contactsio.Import(ctx, db, user, r, contactsio.CSV, contactsio.ImportOptions{PageSize: 200})
	cancel()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("%v, want context.Canceled", err)
	}
	stored := len(all(t, db, user))
	if rep.Records == 0 || rep.Records >= total || rep.Imported != stored || rep.Records != stored {
		t.Fatalf("report %+v, %d stored", rep, stored)
	}
	rep2, err := contactsio.Import(context.Background(), db, user, bytes.NewReader(file.Bytes()), contactsio.CSV,
		contactsio.ImportOptions{SkipRecords: rep.Records})
	if err != nil || rep2.Imported != total-stored || rep2.Records != total {
		t.Fatalf("resume: %+v, %v", rep2, err)
	}
	if n := len(all(t, db, user)); n != total {
		t.Fatalf("%d contacts after resuming, want %d", n, total)
	}
}

// fakeBreaker reports a fixed level and counts Check calls (one per page).
type fakeBreaker struct {
	level  memguard.Level
	refuse bool
	checks atomic.Int32
}

func (b *fakeBreaker) Check(context.Context) error {
	b.checks.Add(1)
	if b.refuse {
		return &memguard.PressureError{}
	}
	return nil
}
func (b *fakeBreaker) Level() memguard.Level { return b.level }

// Pages shrink while the breaker reports pressure, and a refusal stops the
// import before the page is written.
func TestImportBreaker(t *testing.T) {
	db := kithtest.DB(t)
	var file strings.Builder
	file.WriteString("name\n")
	for i := range 2000 {
		fmt.Fprintf(&file, "P%d\n", i)
	}
	pages := func(level memguard.Level) int {
		b := &fakeBreaker{level: level}
		rep, err := contactsio.Import(context.Background(), db, uuid.New(), strings.NewReader(file.String()), contactsio.CSV,
			contactsio.ImportOptions{Breaker: b, PageSize: 1000})
		if err != nil || rep.Imported != 2000 {
			t.Fatalf("level %v: %+v, %v", level, rep, err)
		}
		return int(b.checks.Load())
	}
	// Normal: 1000 + 1000. Soft: 1000, 500, 250, 125, 62, 50, 13.
	if normal, soft := pages(memguard.LevelNormal), pages(memguard.LevelSoft); normal != 2 || soft != 7 {
		t.Fatalf("pages: %d at LevelNormal, %d at LevelSoft; want 2 and 7", normal, soft)
	}
	user := uuid.New()
	rep, err := contactsio.Import(context.Background(), db, user, strings.NewReader(file.String()), contactsio.CSV,
		contactsio.ImportOptions{Breaker: &fakeBreaker{refuse: true}})
	if !errors.Is(err, memguard.ErrMemoryPressure) || rep.Imported != 0 || rep.Records != 0 {
		t.Fatalf("refused: %+v, %v", rep, err)
	}
	if n := len(all(t, db, user)); n != 0 {
		t.Fatalf("refused import wrote %d", n)
	}
}

// Imports and exports are operations of ImportOptions.Monitor and
// ExportOptions.Monitor.
func TestMonitor(t *testing.T) {
	db := kithtest.DB(t)
	var rec memguardtest.Recorder
	mon := memguard.NewMonitor(memguard.MonitorConfig{Recorder: &rec, SampleInterval: -1})
	user := uuid.New()
	if _, err := contactsio.Import(context.Background(), db, user, strings.NewReader("name\nAda\n"), contactsio.CSV,
		contactsio.ImportOptions{Monitor: mon}); err != nil {
		t.Fatal(err)
	}
	if _, err := contactsio.ExportVCard(context.Background(), io.Discard, db, user, contactsio.ExportOptions{Monitor: mon}); err != nil {
		t.Fatal(err)
	}
	if _, err := contactsio.ExportCSV(context.Background(), io.Discard, db, uuid.Nil, contactsio.ExportOptions{Monitor: mon}); err == nil {
		t.Fatal("export for uuid.Nil accepted")
	}
	var got []string
	for _, o := range rec.Ops() {
		got = append(got, o.Name+" "+string(o.Outcome))
	}
	if want := "contactsio.import ok, contactsio.export_vcard ok, contactsio.export_csv error"; strings.Join(got, ", ") != want {
		t.Fatalf("ops %q, want %q", got, want)
	}
}

// On vCard import the EMAIL with the lowest PREF is Email and every other
// EMAIL an OtherEmails entry, in file order; without PREF the first is
// Email. Export writes Email as EMAIL;PREF=1 and each other address as a
// plain EMAIL.
func TestVCardEmails(t *testing.T) {
	db := kithtest.DB(t)
	ctx := context.Background()
	file := "BEGIN:VCARD\nVERSION:4.0\nFN:Pref\nEMAIL:a@example.com\nEMAIL;PREF=2:b@example.com\nEMAIL;PREF=1:c@example.com\nEMAIL:mailto:d@example.com\nEND:VCARD\n" +
		"BEGIN:VCARD\nVERSION:3.0\nFN:NoPref\nEMAIL;TYPE=work:e@example.com\nEMAIL;TYPE=home:f@example.com\nEND:VCARD\n"
	user := uuid.New()
	rep, err := contactsio.Import(ctx, db, user, strings.NewReader(file), contactsio.VCard, contactsio.ImportOptions{})
	if err != nil || rep.Imported != 2 {
		t.Fatalf("import: %+v, %v", rep, err)
	}
	got := all(t, db, user)
	if c := got["Pref"]; c.Email != "c@example.com" || !slices.Equal(c.OtherEmails, []string{"a@example.com", "b@example.com", "d@example.com"}) {
		t.Errorf("Pref: %q %q", c.Email, c.OtherEmails)
	}
	if c := got["NoPref"]; c.Email != "e@example.com" || !slices.Equal(c.OtherEmails, []string{"f@example.com"}) {
		t.Errorf("NoPref: %q %q", c.Email, c.OtherEmails)
	}
	var buf bytes.Buffer
	if _, err := contactsio.ExportVCard(ctx, &buf, db, user, contactsio.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	var emails []string
	for _, line := range strings.Split(buf.String(), "\r\n") {
		if strings.HasPrefix(line, "EMAIL") {
			emails = append(emails, line)
		}
	}
	want := []string{"EMAIL;PREF=1:c@example.com", "EMAIL:a@example.com", "EMAIL:b@example.com", "EMAIL:d@example.com",
		"EMAIL;PREF=1:e@example.com", "EMAIL:f@example.com"}
	// Both cards come from one INSERT: same created_at, so the export order
	// between them is by ID, which is random.
	swapped := append(slices.Clone(want[4:]), want[:4]...)
	if !slices.Equal(emails, want) && !slices.Equal(emails, swapped) {
		t.Errorf("exported EMAIL lines %q, want %q (cards in either order)", emails, want)
	}
}

// TestImportFarFutureDate: a last contact centuries ahead is rejected with
// its distance in years and days, never an overflowed time.Duration.
func TestImportFarFutureDate(t *testing.T) {
	db := kithtest.DB(t)
	ctx := context.Background()
	for _, tc := range []struct {
		format contactsio.Format
		file   string
	}{
		{contactsio.CSV, "name,last_contact_date\nAnn,2999-01-01\n"},
		{contactsio.VCard, "BEGIN:VCARD\nVERSION:4.0\nFN:Ann\nX-KITH-LAST-CONTACT:2999-01-01\nEND:VCARD\n"},
	} {
		rep, err := contactsio.Import(ctx, db, uuid.New(), strings.NewReader(tc.file), tc.format, contactsio.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Rejected) != 1 {
			t.Fatalf("%v: rejected %+v; want one row", tc.format, rep.Rejected)
		}
		e := rep.Rejected[0]
		text := e.Error()
		if !errors.Is(e, contactsio.ErrInvalid) || e.Field != "last_contact_date" ||
			!strings.Contains(text, "2999-01-01T00:00:00Z is 97") || !strings.Contains(text, " years (") ||
			!strings.Contains(text, " days) in the future; at most 1 day ahead of the clock (Config.MaxFutureSkew 24h0m0s)") ||
			strings.Contains(text, "2562047h") {
			t.Errorf("%v: %q; want the distance in years and days", tc.format, text)
		}
	}
}
