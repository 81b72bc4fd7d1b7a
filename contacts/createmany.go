package contacts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/kithhq/kith/internal/dbschema"
	"github.com/kithhq/kith/internal/pgarray"
)

// MaxCreateMany is the most contacts one CreateMany call takes.
const MaxCreateMany = 10_000

// CreateManyResult says what CreateMany did with each row of a batch.
type CreateManyResult struct {
	// IDs holds, for each row of the batch in order, the ID of the contact
	// created from it, or uuid.Nil for a row that was skipped or rejected.
	IDs []uuid.UUID
	// Created counts the contacts created.
	Created int
	// Skipped lists the 1-based rows skipped because their ID names a
	// contact the user already has.
	Skipped []int
	// Rejected holds one *FieldError per refused row, Row set (1-based),
	// in row order.
	Rejected []*FieldError
}

// CreateMany creates many contacts of userID at once: the bulk form of
// Create, for imports. Each row is normalized and validated like Create's
// input (last-contact date within Config.MaxFutureSkew included); a row
// that fails is reported in Rejected and the others are still written, in
// one INSERT statement.
//
// A row whose ID is set and names a contact userID already has is skipped,
// not written again: re-importing a user's own export does not duplicate
// what is still there. Otherwise the ID is ignored, as are UserID,
// GroupIDs and the timestamps; the store assigns a new ID.
//
// If the database refuses the statement for a reason validation does not
// catch (a duplicate Google resource name, a constraint added later), the
// rows are written again one statement each, so that only the refused rows
// are rejected. The batch is not atomic: a caller that needs all or nothing
// gives the Store a transaction.
//
// The error is non-nil only when nothing more could be done: more than
// MaxCreateMany rows, uuid.Nil as userID, a database or context failure.
func (s *Store) CreateMany(ctx context.Context, userID uuid.UUID, batch []Contact) (CreateManyResult, error) {
	res := CreateManyResult{IDs: make([]uuid.UUID, len(batch)), Skipped: []int{}, Rejected: []*FieldError{}}
	if err := checkUser(userID); err != nil {
		return res, err
	}
	if len(batch) > MaxCreateMany {
		return res, &FieldError{Field: "batch", Reason: fmt.Sprintf("%d contacts, more than %d", len(batch), MaxCreateMany), Len: len(batch), Max: MaxCreateMany}
	}
	if len(batch) == 0 {
		return res, nil
	}

	// Rows naming an existing contact of the user: one primary key look-up.
	existing := map[uuid.UUID]bool{}
	var ids []uuid.UUID
	for i := range batch {
		if batch[i].ID != uuid.Nil {
			ids = append(ids, batch[i].ID)
		}
	}
	if len(ids) > 0 {
		rows, err := s.db.QueryContext(ctx, s.q.bulk.existingIDs, userID, pgarray.UUIDs(ids))
		if err != nil {
			return res, fail(err, "create many")
		}
		for rows.Next() {
			var id uuid.UUID
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return res, fail(err, "create many")
			}
			existing[id] = true
		}
		if err := rows.Close(); err != nil {
			return res, fail(err, "create many")
		}
		if err := rows.Err(); err != nil {
			return res, fail(err, "create many")
		}
	}

	var write []int // rows to write, 0-based
	prepared := make([]upsertRow, len(batch))
	for i := range batch {
		c := &batch[i]
		if existing[c.ID] {
			res.Skipped = append(res.Skipped, i+1)
			continue
		}
		row, err := s.prepareRow(c)
		if err != nil {
			res.Rejected = append(res.Rejected, rowError(err, i+1))
			continue
		}
		prepared[i] = row
		write = append(write, i)
	}
	if len(write) == 0 {
		return res, nil
	}

	created, err := s.insertMany(ctx, userID, prepared, write)
	if err == nil {
		for k, i := range write {
			res.IDs[i] = created[k]
		}
		res.Created = len(write)
		return res, nil
	}
	if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrDuplicate) {
		return res, err
	}
	// The database refused a row validation passed: find which, one
	// statement per row.
	var rejected []*FieldError
	for _, i := range write {
		id, err := s.insertMany(ctx, userID, prepared, []int{i})
		switch {
		case err == nil:
			res.IDs[i] = id[0]
			res.Created++
		case errors.Is(err, ErrDuplicate):
			rejected = append(rejected, &FieldError{Field: "row", Row: i + 1, Reason: "a unique field (such as the Google resource name) repeats another contact's"})
		case errors.Is(err, ErrInvalid):
			rejected = append(rejected, &FieldError{Field: "row", Row: i + 1, Reason: "refused by the database's checks"})
		default:
			return res, err
		}
	}
	res.Rejected = mergeRows(res.Rejected, rejected)
	return res, nil
}

// insertMany writes prepared[rows] in one statement and returns their new
// IDs in the same order. The IDs are chosen here, so that each row's is
// known without relying on the order of RETURNING.
func (s *Store) insertMany(ctx context.Context, userID uuid.UUID, prepared []upsertRow, rows []int) ([]uuid.UUID, error) {
	type row struct {
		ID uuid.UUID `json:"id"`
		upsertRow
	}
	payload := make([]row, len(rows))
	ids := make([]uuid.UUID, len(rows))
	for k, i := range rows {
		ids[k] = uuid.New()
		payload[k] = row{ID: ids[k], upsertRow: prepared[i]}
	}
	data, err := json.Marshal(payload)
	if err != nil {
		return nil, fail(err, "create many: encode batch")
	}
	if _, err := s.db.ExecContext(ctx, s.q.bulk.createMany, userID, string(data)); err != nil {
		return nil, fail(err, "create %d contacts", len(rows))
	}
	return ids, nil
}

// rowError returns err, a validation failure of row, as a *FieldError with
// Row set.
func rowError(err error, row int) *FieldError {
	var fe *FieldError
	if errors.As(err, &fe) {
		cp := *fe
		cp.Row = row
		return &cp
	}
	return &FieldError{Field: "row", Row: row, Reason: err.Error()}
}

// mergeRows merges two lists of row errors, each in row order.
func mergeRows(a, b []*FieldError) []*FieldError {
	out := make([]*FieldError, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if a[0].Row <= b[0].Row {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}

// bulkQueries are CreateMany's statements.
type bulkQueries struct {
	// existingIDs selects which of the IDs $2 are contacts of user $1,
	// through the primary key.
	existingIDs string
	// createMany inserts the rows of the JSON array $2 for user $1, read
	// with the table's own row type so that every column keeps its type.
	createMany string
}

func newBulkQueries(schema string) bulkQueries {
	return bulkQueries{
		existingIDs: dbschema.Qualify(`SELECT id FROM kith.contacts WHERE user_id = $1 AND id = ANY($2::uuid[])`, schema),
		createMany: dbschema.Qualify(`INSERT INTO kith.contacts (id, user_id, `+writableColumns+`)
			SELECT r.id, $1, `+writableColumns+` FROM jsonb_populate_recordset(NULL::kith.contacts, $2::jsonb) AS r`, schema),
	}
}
