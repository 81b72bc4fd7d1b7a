package stream

import (
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/kithhq/kith/contacts"
)

// A Cursor marks a place in a contact stream: right after one item. Get one
// with Options.TrackCursor, persist it with String (or MarshalText), and
// resume with ParseCursor and Options.After. The zero Cursor means "from the start"; its
// String is "".
//
// A cursor carries the user ID, the order, the direction, the placement of
// never-contacted contacts and the key of the item (its ID and the value it
// was ordered by). A stream refuses a cursor made by another user's stream
// or for another order (ErrCursorMismatch). The item need not still exist:
// the stream resumes after its key.
//
// A cursor is not a security token. Its checksum catches corruption and
// casual edits, not forgery: there is no secret to sign with. None is
// needed for isolation, because the user a stream reads is the userID
// argument of the call, never the cursor's: a forged cursor can only move
// the start of the caller's own walk. Note that the cursor contains the
// contact's name (for contacts.ByName) in a reversible encoding; store it as you
// would the name.
type Cursor struct {
	user      uuid.UUID
	order     contacts.Order
	dir       contacts.Direction
	nullsLast bool
	key       contactKey // key.begun is false only in the zero Cursor
}

// contactKey is the keyset key of a contact stream: the position after a
// row, within one part of the walk.
type contactKey struct {
	begun bool      // a row of this part was seen: the fields below are its key
	null  bool      // contacts.ByLastContact: the part of never-contacted contacts
	name  string    // contacts.ByName
	t     time.Time // contacts.ByLastContact (non-null part), contacts.ByCreatedAt
	id    uuid.UUID
}

// IsZero reports whether c is the zero Cursor (the start of a stream).
func (c Cursor) IsZero() bool { return !c.key.begun }

// Cursor encoding (before base64url without padding):
//
//	[0]     version (1)
//	[1]     entity ('c': contacts)
//	[2]     order, [3] direction
//	[4]     flags: 1 never-contacted last, 2 the item was never contacted
//	[5:21]  user ID, [21:37] item ID
//	name:   2-byte big-endian length, then the UTF-8 bytes (contacts.ByName)
//	time:   8-byte big-endian Unix microseconds (contacts.ByCreatedAt, contacts.ByLastContact
//	        unless the item was never contacted)
//	last 4: CRC-32C of everything before it
const (
	cursorVersion    = 1
	cursorEntity     = 'c'
	flagNullsLast    = 1
	flagNull         = 2
	cursorHeaderLen  = 37
	cursorSumLen     = 4
	maxCursorNameLen = contacts.MaxNameLen * utf8.UTFMax
)

var (
	cursorCRC = crc32.MakeTable(crc32.Castagnoli)
	cursorB64 = base64.RawURLEncoding.Strict()
	// Years outside 1..9999 are refused: no real contact has them and
	// they do not round-trip through every layer as text.
	minCursorTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxCursorTime = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
)

// String returns c as an opaque, URL-safe string ("" for the zero Cursor).
// ParseCursor reads it back.
func (c Cursor) String() string {
	if c.IsZero() {
		return ""
	}
	b := make([]byte, 0, cursorHeaderLen+2+len(c.key.name)+8+cursorSumLen)
	var flags byte
	if c.nullsLast {
		flags |= flagNullsLast
	}
	if c.key.null {
		flags |= flagNull
	}
	b = append(b, cursorVersion, cursorEntity, byte(c.order), byte(c.dir), flags)
	b = append(b, c.user[:]...)
	b = append(b, c.key.id[:]...)
	switch {
	case c.order == contacts.ByName:
		b = binary.BigEndian.AppendUint16(b, uint16(len(c.key.name)))
		b = append(b, c.key.name...)
	case c.order == contacts.ByCreatedAt, c.order == contacts.ByLastContact && !c.key.null:
		b = binary.BigEndian.AppendUint64(b, uint64(c.key.t.UnixMicro()))
	}
	b = binary.BigEndian.AppendUint32(b, crc32.Checksum(b, cursorCRC))
	return cursorB64.EncodeToString(b)
}

// MarshalText implements encoding.TextMarshaler with String.
func (c Cursor) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseCursor.
func (c *Cursor) UnmarshalText(text []byte) error {
	v, err := ParseCursor(string(text))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// ParseCursor decodes a string made by Cursor.String. "" gives the zero
// Cursor. A string that is malformed, of an unknown version, fails its
// checksum or holds an impossible key gives a *CursorError matching
// ErrBadCursor. Whether the cursor fits a stream (user, order) is checked
// by the stream it is passed to.
func ParseCursor(s string) (Cursor, error) {
	if s == "" {
		return Cursor{}, nil
	}
	if len(s) > cursorB64.EncodedLen(cursorHeaderLen+2+maxCursorNameLen+cursorSumLen) {
		return Cursor{}, badCursor("%d characters, too long", len(s))
	}
	b, err := cursorB64.DecodeString(s)
	if err != nil {
		return Cursor{}, badCursor("not base64url: %v", err)
	}
	if len(b) < cursorHeaderLen+cursorSumLen {
		return Cursor{}, badCursor("%d bytes, too short", len(b))
	}
	if b[0] != cursorVersion {
		return Cursor{}, badCursor("unknown version %d", b[0])
	}
	body, sum := b[:len(b)-cursorSumLen], binary.BigEndian.Uint32(b[len(b)-cursorSumLen:])
	if crc32.Checksum(body, cursorCRC) != sum {
		return Cursor{}, badCursor("checksum mismatch (corrupted or edited)")
	}
	if body[1] != cursorEntity {
		return Cursor{}, badCursor("not a contacts cursor")
	}
	c := Cursor{order: contacts.Order(body[2]), dir: contacts.Direction(body[3])}
	if !validOrder(c.order) {
		return Cursor{}, badCursor("unknown order %d", body[2])
	}
	if !validDirection(c.dir) {
		return Cursor{}, badCursor("unknown direction %d", body[3])
	}
	flags := body[4]
	if flags&^(flagNullsLast|flagNull) != 0 || (flags != 0 && c.order != contacts.ByLastContact) {
		return Cursor{}, badCursor("bad flags %#x for order %v", flags, c.order)
	}
	c.nullsLast = flags&flagNullsLast != 0
	c.key = contactKey{begun: true, null: flags&flagNull != 0}
	copy(c.user[:], body[5:21])
	copy(c.key.id[:], body[21:37])
	rest := body[cursorHeaderLen:]
	switch {
	case c.order == contacts.ByName:
		if len(rest) < 2 {
			return Cursor{}, badCursor("missing name")
		}
		n := int(binary.BigEndian.Uint16(rest))
		rest = rest[2:]
		if n > len(rest) {
			return Cursor{}, badCursor("truncated name")
		}
		name := string(rest[:n])
		rest = rest[n:]
		if err := checkCursorName(name); err != nil {
			return Cursor{}, err
		}
		c.key.name = name
	case c.order == contacts.ByCreatedAt, c.order == contacts.ByLastContact && !c.key.null:
		if len(rest) < 8 {
			return Cursor{}, badCursor("missing time")
		}
		t := time.UnixMicro(int64(binary.BigEndian.Uint64(rest))).UTC()
		rest = rest[8:]
		if t.Before(minCursorTime) || !t.Before(maxCursorTime) {
			return Cursor{}, badCursor("time out of range")
		}
		c.key.t = t
	}
	if len(rest) != 0 {
		return Cursor{}, badCursor("%d trailing bytes", len(rest))
	}
	return c, nil
}

func checkCursorName(name string) error {
	switch n := utf8.RuneCountInString(name); {
	case !utf8.ValidString(name):
		return badCursor("name is not valid UTF-8")
	case n < 1 || n > contacts.MaxNameLen:
		return badCursor("name of %d characters", n)
	}
	for i := 0; i < len(name); i++ {
		if name[i] == 0 {
			return badCursor("name contains a NUL byte")
		}
	}
	return nil
}

// fits reports whether c may resume a stream of user in the given order.
func (c Cursor) fits(user uuid.UUID, opts *Options) error {
	if c.IsZero() {
		return nil
	}
	if c.user != user {
		return cursorMismatch("the cursor belongs to another user")
	}
	if c.order != opts.Order || c.dir != opts.Direction {
		return cursorMismatch("the cursor is for order %v %v, the stream is %v %v", c.order, c.dir, opts.Order, opts.Direction)
	}
	if c.order == contacts.ByLastContact && c.nullsLast != opts.NeverContactedLast {
		return cursorMismatch("the cursor and the stream place never-contacted contacts differently")
	}
	return nil
}
