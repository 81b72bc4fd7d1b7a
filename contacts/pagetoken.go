package contacts

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// A listToken is the opaque Page.NextPageToken: where the next page starts
// and what it was made for. Like the stream package's cursors it carries a
// CRC, not a signature: the checksum catches corruption and casual edits.
// Isolation does not rest on it: the user a page reads is always the
// userID argument, so a forged token can only move the start of the
// caller's own walk. The token holds the name of a contact (ByName) in a
// reversible encoding; treat it as you would the name.
type listToken struct {
	search bool   // a Search token
	zone   string // the due filter's time zone name (parsed tokens only)
	query  uint64 // Search: a hash of the normalized query
	user   uuid.UUID
	filter listFilter
	key    listKey
}

// Token encoding (before base64url without padding):
//
//	[0] version, [1] kind ('L' List, 'S' Search), [2] order, [3] direction,
//	[4] flags (1 never-contacted last, 2 the key is in the never-contacted
//	part), [5] archived, [6] due, [7] source, [8] frequency bit set,
//	[9:25] user, [25:41] group, [41:49] due's time (Unix µs, 0: none),
//	[49:65] key's contact ID, the due filter's zone (1-byte length + name,
//	0 without a due filter), then the key: name (2-byte length + UTF-8),
//	time (8-byte Unix µs) or score (4-byte float32) and query hash (8
//	bytes), last 4: CRC-32C of everything before.
const (
	tokenVersion   = 1
	tokenHeaderLen = 65
	tokenSumLen    = 4
	flagNullsLast  = 1
	flagNull       = 2
)

var (
	tokenCRC = crc32.MakeTable(crc32.Castagnoli)
	tokenB64 = base64.RawURLEncoding.Strict()
)

func (t listToken) String() string {
	b := make([]byte, 0, tokenHeaderLen+1+64+2+len(t.key.name)+12+tokenSumLen)
	kind := byte('L')
	if t.search {
		kind = 'S'
	}
	var flags byte
	if t.filter.nullsLast {
		flags |= flagNullsLast
	}
	if t.key.null {
		flags |= flagNull
	}
	f := &t.filter
	b = append(b, tokenVersion, kind, byte(f.order), byte(f.dir), flags, byte(f.archived), byte(f.due), byte(f.source), freqMask(f.frequencies))
	b = append(b, t.user[:]...)
	b = append(b, f.group[:]...)
	var asOf int64
	if !f.asOf.IsZero() && f.due != AnyDue {
		asOf = f.asOf.UnixMicro()
	}
	b = binary.BigEndian.AppendUint64(b, uint64(asOf))
	b = append(b, t.key.id[:]...)
	var zone string
	if f.due != AnyDue && f.loc != nil {
		zone = f.loc.String()
	}
	b = append(b, byte(len(zone)))
	b = append(b, zone...)
	switch {
	case t.search:
		b = binary.BigEndian.AppendUint32(b, math.Float32bits(t.key.score))
		b = binary.BigEndian.AppendUint64(b, t.query)
	case f.order == ByName:
		b = binary.BigEndian.AppendUint16(b, uint16(len(t.key.name)))
		b = append(b, t.key.name...)
	case f.order == ByCreatedAt, f.order == ByLastContact && !t.key.null:
		b = binary.BigEndian.AppendUint64(b, uint64(t.key.t.UnixMicro()))
	}
	b = binary.BigEndian.AppendUint32(b, crc32.Checksum(b, tokenCRC))
	return tokenB64.EncodeToString(b)
}

func freqMask(fs []Frequency) byte {
	var m byte
	for _, f := range fs {
		for i, g := range allFrequencies {
			if f == g {
				m |= 1 << i
			}
		}
	}
	return m
}

func badToken(format string, args ...any) error {
	return &FieldError{Field: "page_token", Reason: fmt.Sprintf(format, args...)}
}

// parseToken decodes a token made by listToken.String.
func parseToken(s string, search bool) (listToken, error) {
	if len(s) > tokenB64.EncodedLen(tokenHeaderLen+1+255+2+MaxNameLen*utf8.UTFMax+tokenSumLen) {
		return listToken{}, badToken("%d characters, too long", len(s))
	}
	b, err := tokenB64.DecodeString(s)
	if err != nil {
		return listToken{}, badToken("not a page token (not base64url)")
	}
	if len(b) < tokenHeaderLen+tokenSumLen {
		return listToken{}, badToken("not a page token (%d bytes, too short)", len(b))
	}
	body, sum := b[:len(b)-tokenSumLen], binary.BigEndian.Uint32(b[len(b)-tokenSumLen:])
	if body[0] != tokenVersion {
		return listToken{}, badToken("unknown token version %d", body[0])
	}
	if crc32.Checksum(body, tokenCRC) != sum {
		return listToken{}, badToken("checksum mismatch (corrupted or edited)")
	}
	t := listToken{search: body[1] == 'S'}
	switch {
	case body[1] != 'L' && body[1] != 'S':
		return listToken{}, badToken("unknown token kind %q", body[1])
	case t.search != search && search:
		return listToken{}, badToken("a List token given to Search")
	case t.search != search:
		return listToken{}, badToken("a Search token given to List")
	}
	f := &t.filter
	f.order, f.dir, f.archived, f.due, f.source = Order(body[2]), Direction(body[3]), ArchivedFilter(body[5]), DueFilter(body[6]), SourceFilter(body[7])
	if f.order > ByID || f.dir > Descending || f.archived > IncludeArchived || f.due > NotDue || f.source > Manual {
		return listToken{}, badToken("impossible order or filter")
	}
	flags := body[4]
	if flags&^(flagNullsLast|flagNull) != 0 || (flags != 0 && f.order != ByLastContact) {
		return listToken{}, badToken("bad flags %#x", flags)
	}
	f.nullsLast = flags&flagNullsLast != 0
	mask := body[8]
	for i, g := range allFrequencies {
		if mask&(1<<i) != 0 {
			f.frequencies = append(f.frequencies, g)
		}
	}
	copy(t.user[:], body[9:25])
	copy(f.group[:], body[25:41])
	if us := int64(binary.BigEndian.Uint64(body[41:49])); us != 0 {
		f.asOf = time.UnixMicro(us)
	}
	t.key = listKey{begun: true, null: flags&flagNull != 0}
	copy(t.key.id[:], body[49:65])
	rest := body[tokenHeaderLen:]
	if len(rest) < 1 || int(rest[0]) > len(rest)-1 {
		return listToken{}, badToken("truncated")
	}
	t.zone, rest = string(rest[1:1+int(rest[0])]), rest[1+int(rest[0]):]
	switch {
	case t.search:
		if len(rest) < 12 {
			return listToken{}, badToken("truncated")
		}
		t.key.score = math.Float32frombits(binary.BigEndian.Uint32(rest))
		t.query = binary.BigEndian.Uint64(rest[4:])
		rest = rest[12:]
	case f.order == ByName:
		if len(rest) < 2 {
			return listToken{}, badToken("truncated")
		}
		n := int(binary.BigEndian.Uint16(rest))
		if n > len(rest)-2 {
			return listToken{}, badToken("truncated")
		}
		t.key.name, rest = string(rest[2:2+n]), rest[2+n:]
		if err := checkText("page_token", t.key.name, MaxNameLen); err != nil {
			return listToken{}, badToken("bad name in token")
		}
	case f.order == ByCreatedAt, f.order == ByLastContact && !t.key.null:
		if len(rest) < 8 {
			return listToken{}, badToken("truncated")
		}
		t.key.t = time.UnixMicro(int64(binary.BigEndian.Uint64(rest))).UTC()
		rest = rest[8:]
	}
	if len(rest) != 0 {
		return listToken{}, badToken("%d trailing bytes", len(rest))
	}
	return t, nil
}

func parseListToken(s string) (listToken, error) { return parseToken(s, false) }

// fits refuses a token made for another user, order or filters: paging on
// with other filters would skip or repeat contacts.
func (t listToken) fits(user uuid.UUID, f listFilter, o *ListOptions) error {
	g := &t.filter
	switch {
	case t.user != user:
		return badToken("the token belongs to another user")
	case g.order != f.order || g.dir != f.dir || g.nullsLast != f.nullsLast:
		return badToken("the token is for order %v %v, the call asks for %v %v", g.order, g.dir, f.order, f.dir)
	case g.group != f.group:
		return badToken("the token is for another group filter")
	case g.archived != f.archived:
		return badToken("the token is for another archived filter")
	case g.due != f.due:
		return badToken("the token is for another due filter")
	case g.source != f.source:
		return badToken("the token is for another source filter")
	case freqMask(g.frequencies) != freqMask(f.frequencies):
		return badToken("the token is for another frequency filter")
	case f.due != AnyDue && !f.asOf.IsZero() && !f.asOf.Truncate(time.Microsecond).Equal(g.asOf):
		return badToken("the token judged due as of %v, the call asks for %v", g.asOf.UTC(), f.asOf.UTC())
	case f.due != AnyDue && f.loc.String() != t.zone:
		return badToken("the token judged due in time zone %q, the call asks for %q", t.zone, f.loc.String())
	}
	return nil
}
