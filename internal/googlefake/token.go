package googlefake

import (
	"encoding/base64"
	"encoding/binary"
)

// token is the content of a page token or sync token. On the wire it is
// base64 of a small binary record: opaque to clients, and carrying what the
// server needs to continue a chain without keeping any state per chain.
type token struct {
	kind   byte   // 'P' page token, 'S' sync token
	ep     byte   // endpoint code
	acct   uint64 // account id
	cal    uint64 // calendar id hash (events.list), 0 otherwise
	epoch  uint64 // account's token epoch when issued (ExpireTokens bumps it)
	params uint64 // hash of the chain's parameters
	from   int64  // sync token: its change sequence; page token: the chain's sync token sequence, -1 on a full pass
	snap   int64  // page token: the change sequence the chain's nextSyncToken will carry
	pos    int64  // page token: where the next page starts
	page   int64  // page token: number of the page it fetches (2, 3, ...)
}

const tokenVersion = 1

func (t token) encode() string {
	b := make([]byte, 0, 64)
	b = append(b, tokenVersion, t.kind, t.ep)
	b = binary.AppendUvarint(b, t.acct)
	b = binary.AppendUvarint(b, t.cal)
	b = binary.AppendUvarint(b, t.epoch)
	b = binary.AppendUvarint(b, t.params)
	b = binary.AppendVarint(b, t.from)
	b = binary.AppendVarint(b, t.snap)
	b = binary.AppendVarint(b, t.pos)
	b = binary.AppendVarint(b, t.page)
	return base64.StdEncoding.EncodeToString(b)
}

func decodeToken(s string) (token, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) < 3 || b[0] != tokenVersion {
		return token{}, errBadToken
	}
	t := token{kind: b[1], ep: b[2]}
	b = b[3:]
	for _, p := range []*uint64{&t.acct, &t.cal, &t.epoch, &t.params} {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return token{}, errBadToken
		}
		*p, b = v, b[n:]
	}
	for _, p := range []*int64{&t.from, &t.snap, &t.pos, &t.page} {
		v, n := binary.Varint(b)
		if n <= 0 {
			return token{}, errBadToken
		}
		*p, b = v, b[n:]
	}
	if len(b) != 0 || (t.kind != 'P' && t.kind != 'S') {
		return token{}, errBadToken
	}
	return t, nil
}

func endpointCode(ep Endpoint) byte {
	switch ep {
	case Connections:
		return 1
	case ContactGroups:
		return 2
	case Events:
		return 3
	case CalendarList:
		return 4
	}
	return 0
}
