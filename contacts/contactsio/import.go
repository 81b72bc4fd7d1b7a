package contactsio

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/emersion/go-vcard"
	"github.com/google/uuid"
	"github.com/kithhq/kith"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/argcheck"
	"github.com/kithhq/kith/memguard"
)

// A Format is a file format Import reads. The zero value is not a format.
type Format uint8

// The formats.
const (
	VCard Format = iota + 1 // vCard 4.0 (3.0 is read too), as ExportVCard writes
	CSV                     // CSV with a header row, as ExportCSV writes
)

func (f Format) String() string {
	switch f {
	case VCard:
		return "vcard"
	case CSV:
		return "csv"
	}
	return fmt.Sprintf("Format(%d)", uint8(f))
}

// Import limits and defaults.
const (
	// DefaultPageSize is the most records an import writes in one
	// statement unless ImportOptions.PageSize says otherwise.
	DefaultPageSize = 1000
	// DefaultMaxRejected is how many RowErrors a report keeps unless
	// ImportOptions.MaxRejected says otherwise.
	DefaultMaxRejected = 1000
	// MaxRecordBytes bounds one vCard and one CSV row: a longer record is
	// rejected (a contact's notes hold at most 100,000 characters).
	MaxRecordBytes = 1 << 20
	// pageBytes cuts a page early when its text reaches it.
	pageBytes = 8 << 20
)

// ImportOptions configures Import. The zero value imports into the "kith"
// schema in pages of up to DefaultPageSize.
type ImportOptions struct {
	// Schema is the Postgres schema holding kith's tables; "" means "kith".
	Schema string
	// PageSize is the most records written in one statement: 1 to
	// contacts.MaxCreateMany, 0 meaning DefaultPageSize. Pages are sized
	// between min(50, PageSize) and PageSize by a memguard.Adaptive
	// controller fed by Breaker: smaller under memory pressure, growing
	// back after.
	PageSize int
	// Breaker is checked before each page is written; a refusal ends the
	// import with an error matching memguard.ErrMemoryPressure (the report
	// says how far it got). nil means memguard.Nop().
	Breaker memguard.Breaker
	// Monitor records the import as the operation "contactsio.import"
	// (duration, peak memory, outcome). nil means none.
	Monitor *memguard.Monitor
	// DryRun reads and validates every record without writing anything:
	// the report counts as Imported what would have been created. Records
	// that would be skipped as already present are not detected, nor what
	// only the database refuses.
	DryRun bool
	// Source is the Source of imported contacts; "" means "import".
	Source string
	// MaxRejected bounds how many RowErrors the report keeps (the first
	// found); RejectedTotal counts them all. 0 means
	// DefaultMaxRejected; -1 keeps none.
	MaxRejected int
	// SkipRecords skips the first SkipRecords records of the file without
	// importing them: resume an import that stopped with an error by
	// passing its report's Records.
	SkipRecords int
}

// An ImportReport says what Import did.
type ImportReport struct {
	// Records counts the records settled: imported, skipped or rejected,
	// SkipRecords included. After an error, the records past it were not
	// written, and an import resumed with SkipRecords = Records continues
	// right after the last page written.
	Records int
	// Imported counts the contacts created (with DryRun: that would be).
	Imported int
	// Skipped counts the records whose UID or id names a contact the user
	// already has.
	Skipped int
	// Rejected lists the records not imported, in line order, at most
	// ImportOptions.MaxRejected of them (the first found); RejectedTotal
	// counts them all.
	Rejected      []RowError
	RejectedTotal int
	// IgnoredColumns lists the CSV header's columns that are not kith's,
	// as they appear in the file.
	IgnoredColumns []string
}

// Import reads contacts from r in the given format and creates them for
// userID, in pages of one INSERT statement each. See the package
// documentation for the mapping, the pages and what re-importing does.
//
// A record that cannot be read, or whose contact fails validation, is
// rejected and reported with its line; the others are imported. The error
// is non-nil only when the import could not go on (invalid arguments, a
// CSV header without a name column, a read or database error, ctx ended,
// the breaker refused); the report then says what was done before, and
// pages already written stay written.
func Import(ctx context.Context, db kith.DB, userID uuid.UUID, r io.Reader, format Format, opts ImportOptions) (rep ImportReport, err error) {
	err = opts.Monitor.Wrap(ctx, "contactsio.import", func(ctx context.Context) error {
		rep, err = importFrom(ctx, db, userID, r, format, opts)
		return err
	})
	return rep, err
}

func importFrom(ctx context.Context, db kith.DB, userID uuid.UUID, r io.Reader, format Format, opts ImportOptions) (ImportReport, error) {
	rep := ImportReport{Rejected: []RowError{}, IgnoredColumns: []string{}}
	if err := checkArgs(db, userID, "ImportOptions.Schema", opts.Schema); err != nil {
		return rep, err
	}
	if r == nil {
		return rep, invalid("nil reader")
	}
	if format != VCard && format != CSV {
		return rep, invalid("format %v: want VCard or CSV", format)
	}
	if opts.PageSize == 0 {
		opts.PageSize = DefaultPageSize
	}
	if opts.PageSize < 1 || opts.PageSize > contacts.MaxCreateMany {
		return rep, invalid("ImportOptions.PageSize %d: must be in [1, %d]", opts.PageSize, contacts.MaxCreateMany)
	}
	if opts.MaxRejected == 0 {
		opts.MaxRejected = DefaultMaxRejected
	}
	if opts.MaxRejected < -1 {
		return rep, invalid("ImportOptions.MaxRejected %d: must be >= -1", opts.MaxRejected)
	}
	if opts.SkipRecords < 0 {
		return rep, invalid("ImportOptions.SkipRecords %d: must be >= 0", opts.SkipRecords)
	}
	if opts.Source == "" {
		opts.Source = "import"
	}
	if opts.Breaker == nil {
		opts.Breaker = memguard.Nop()
	}
	if argcheck.IsNil(opts.Breaker) {
		return rep, invalid("ImportOptions.Breaker: typed nil %T", opts.Breaker)
	}
	store, err := contacts.NewStore(db, contacts.Config{Schema: opts.Schema})
	if err != nil {
		return rep, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	sizer, err := memguard.NewAdaptive(opts.Breaker, memguard.AdaptiveConfig{Min: min(50, opts.PageSize), Max: opts.PageSize})
	if err != nil {
		return rep, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	im := &importer{ctx: ctx, store: store, user: userID, opts: opts, sizer: sizer, rep: &rep}
	im.want = sizer.Next()
	switch format {
	case VCard:
		err = im.readVCards(r)
	case CSV:
		err = im.readCSV(r)
	}
	if err == nil {
		err = im.flush()
	}
	slices.SortStableFunc(rep.Rejected, func(a, b RowError) int { return cmp.Compare(a.Line, b.Line) })
	if err != nil && !errors.Is(err, ErrInvalid) {
		err = fmt.Errorf("contactsio: import %v: %w", format, err)
	}
	return rep, err
}

// importer holds an import's state: the page being gathered and the report.
type importer struct {
	ctx   context.Context
	store *contacts.Store
	user  uuid.UUID
	opts  ImportOptions
	sizer *memguard.Adaptive
	rep   *ImportReport

	record int // records read so far
	want   int // the current page's size
	page   []contacts.Contact
	where  []RowError // each page row's line and record
	bytes  int        // the page's text, roughly
	// settled counts records read and not in the page: skipped by
	// SkipRecords or rejected before reaching it.
	settled int
}

// add takes the next record: a contact, or the reason it was rejected.
func (im *importer) add(line int, c contacts.Contact, bad *RowError) error {
	im.record++
	if im.record <= im.opts.SkipRecords {
		im.settled++
		return nil
	}
	if bad != nil {
		bad.Line, bad.Record = line, im.record
		im.reject(*bad)
		im.settled++
		return nil
	}
	im.page = append(im.page, c)
	im.where = append(im.where, RowError{Line: line, Record: im.record})
	im.bytes += len(c.Name) + len(c.Notes) + len(c.Location) + 256
	if len(im.page) >= im.want || im.bytes >= pageBytes {
		return im.flush()
	}
	return nil
}

func (im *importer) reject(e RowError) {
	im.rep.RejectedTotal++
	if len(im.rep.Rejected) < im.opts.MaxRejected {
		im.rep.Rejected = append(im.rep.Rejected, e)
	}
}

// flush writes the page gathered so far.
func (im *importer) flush() error {
	if err := im.ctx.Err(); err != nil {
		return err
	}
	if len(im.page) > 0 {
		if err := im.writePage(); err != nil {
			im.sizer.Done(im.want, len(im.page), err)
			return err
		}
		im.sizer.Done(im.want, len(im.page), nil)
	}
	im.rep.Records += im.settled + len(im.page)
	im.settled = 0
	clear(im.page) // let the contacts go
	im.page, im.where, im.bytes = im.page[:0], im.where[:0], 0
	im.want = im.sizer.Next()
	return nil
}

func (im *importer) writePage() error {
	if im.opts.DryRun {
		for i := range im.page {
			if err := im.page[i].Validate(); err != nil {
				im.rejectField(i, err)
			} else {
				im.rep.Imported++
			}
		}
		return nil
	}
	if err := im.opts.Breaker.Check(im.ctx); err != nil {
		return err
	}
	res, err := im.store.CreateMany(im.ctx, im.user, im.page)
	if err != nil {
		return err
	}
	im.rep.Imported += res.Created
	im.rep.Skipped += len(res.Skipped)
	for _, fe := range res.Rejected {
		im.rejectField(fe.Row-1, fe)
	}
	return nil
}

// rejectField reports page row i as refused by err, a *contacts.FieldError.
func (im *importer) rejectField(i int, err error) {
	e := im.where[i]
	var fe *contacts.FieldError
	if errors.As(err, &fe) {
		e.Field, e.Reason = fe.Field, fe.Reason
	} else {
		e.Reason = err.Error()
	}
	im.reject(e)
}

// readCSV reads a CSV file, header first.
func (im *importer) readCSV(r io.Reader) error {
	lr := &limitedReader{r: r}
	cr := csv.NewReader(lr)
	cr.FieldsPerRecord = -1 // checked per row against the header
	cr.ReuseRecord = true
	header, err := cr.Read()
	switch {
	case err == io.EOF:
		return invalid("CSV file is empty: the header row is required")
	case errors.Is(err, errRecordTooLong):
		return invalid("CSV header longer than %d bytes", MaxRecordBytes)
	case err != nil:
		return invalid("CSV header: %v", err)
	}
	cols, err := readCSVHeader(header)
	if err != nil {
		return err
	}
	im.rep.IgnoredColumns = cols.ignored
	lastLine := 1
	for {
		lr.n = 0
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if errors.Is(err, errRecordTooLong) {
			// Usually a quote that never closes: the rest of the file
			// would be one field.
			return invalid("CSV record after line %d longer than %d bytes (an unterminated quote?)", lastLine, MaxRecordBytes)
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			lastLine = pe.Line
			if err := im.add(pe.StartLine, contacts.Contact{}, &RowError{Reason: pe.Err.Error()}); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		line, _ := cr.FieldPos(0)
		lastLine = line
		c, bad := fromCSV(&cols, rec, im.opts.Source)
		if err := im.add(line, c, bad); err != nil {
			return err
		}
	}
}

var errRecordTooLong = errors.New("record too long")

// limitedReader fails once more than MaxRecordBytes (plus what the CSV
// reader buffers ahead) were read since n was last reset, so that one
// huge record cannot fill memory. The importer resets n before each record.
type limitedReader struct {
	r io.Reader
	n int
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n > MaxRecordBytes+64<<10 {
		return 0, errRecordTooLong
	}
	n, err := l.r.Read(p)
	l.n += n
	return n, err
}

// readVCards reads a vCard file card by card. Cards are cut from the text
// here (BEGIN:VCARD to END:VCARD) so that each has its line, and a broken
// card is rejected alone; each is then parsed by go-vcard.
func (im *importer) readVCards(r io.Reader) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var card bytes.Buffer
	line, start := 0, 0 // start: the current card's BEGIN line, 0 outside a card
	tooBig := false
	stray := 0 // the first line of text outside cards not yet reported
	finish := func() error {
		if tooBig {
			return im.add(start, contacts.Contact{}, &RowError{Reason: fmt.Sprintf("card longer than %d bytes", MaxRecordBytes)})
		}
		vc, err := vcard.NewDecoder(&card).Decode()
		if err != nil {
			return im.add(start, contacts.Contact{}, &RowError{Reason: strings.TrimPrefix(err.Error(), "vcard: ")})
		}
		c, bad := fromCard(vc, im.opts.Source)
		return im.add(start, c, bad)
	}
	for {
		text, err := readLine(br)
		if err == io.EOF && text == nil {
			break
		}
		if err != nil && err != io.EOF {
			return err
		}
		line++
		// Only trailing blanks: a line that starts with one continues
		// the previous line (folding), so it is never BEGIN or END.
		trimmed := bytes.TrimRight(text, " \t")
		isBegin := bytes.EqualFold(trimmed, []byte("BEGIN:VCARD"))
		isEnd := bytes.EqualFold(trimmed, []byte("END:VCARD"))
		switch {
		case start == 0 && isBegin:
			if stray > 0 {
				if err := im.add(stray, contacts.Contact{}, &RowError{Reason: "text outside BEGIN:VCARD ... END:VCARD"}); err != nil {
					return err
				}
				stray = 0
			}
			start, tooBig = line, false
			card.Reset()
			card.Write(trimmed)
			card.WriteString("\r\n")
		case start == 0:
			if len(trimmed) > 0 && stray == 0 {
				stray = line
			}
		case isBegin: // a card that never ended
			if err := im.add(start, contacts.Contact{}, &RowError{Reason: "no END:VCARD before the next BEGIN:VCARD"}); err != nil {
				return err
			}
			start, tooBig = line, false
			card.Reset()
			card.Write(trimmed)
			card.WriteString("\r\n")
		default:
			if !tooBig {
				if card.Len()+len(text) > MaxRecordBytes {
					tooBig = true
					card.Reset()
				} else {
					card.Write(text)
					card.WriteString("\r\n")
				}
			}
			if isEnd {
				if err := finish(); err != nil {
					return err
				}
				start = 0
				card.Reset()
			}
		}
		if err == io.EOF {
			break
		}
	}
	if start > 0 {
		return im.add(start, contacts.Contact{}, &RowError{Reason: "no END:VCARD at the end of the file"})
	}
	if stray > 0 {
		return im.add(stray, contacts.Contact{}, &RowError{Reason: "text outside BEGIN:VCARD ... END:VCARD"})
	}
	return nil
}

// readLine returns the next line without its line end. A line longer than
// MaxRecordBytes is returned cut there; the rest is discarded. At the end
// of input it returns (nil, io.EOF).
func readLine(br *bufio.Reader) ([]byte, error) {
	var out []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(out) <= MaxRecordBytes {
			out = append(out, chunk...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF && len(out) == 0 {
			return nil, io.EOF
		}
		out = bytes.TrimRight(out, "\r\n")
		if err == io.EOF {
			return out, nil
		}
		return out, err
	}
}
