package googlefake

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"google.golang.org/api/people/v1"
)

var validSources = map[string]bool{
	"READ_SOURCE_TYPE_CONTACT": true, "READ_SOURCE_TYPE_PROFILE": true,
	"READ_SOURCE_TYPE_DOMAIN_CONTACT": true, "READ_SOURCE_TYPE_OTHER_CONTACT": true,
}

const (
	msgParamsChanged = "Request contains an invalid argument: parameters must match the first request of a page token or sync token chain."
	msgBadPageToken  = "Page token is invalid."
	msgBadSyncToken  = "Sync token is invalid."
)

// parsePageSize reads pageSize: 0 or absent = def; outside 1..max → error.
func parsePageSize(q url.Values, key string, def, maxSize int) (int, bool) {
	v := q.Get(key)
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > maxSize {
		return 0, false
	}
	if n == 0 {
		return def, true
	}
	return n, true
}

// chainTokens decodes and checks the sync and page tokens of a request
// against the account and the chain's parameter hash. It writes the error
// and returns ok=false when the request must fail.
//
// The sync token must come from a chain with syncParams; a page token from
// a chain with pageParams (the same, plus what only a full pass may send:
// Calendar's timeMin and friends).
func (a *Account) chainTokens(w http.ResponseWriter, info *reqInfo, q url.Values, syncParams, pageParams, cal uint64) (st, pt *token, ok bool) {
	code := endpointCode(info.ep)
	a.mu.RLock()
	epoch := a.epoch
	a.mu.RUnlock()
	if v := q.Get("syncToken"); v != "" {
		t, err := decodeToken(v)
		if err != nil || t.kind != 'S' || t.ep != code || t.acct != a.id || t.cal != cal {
			if info.ep.calendar() {
				// Calendar answers an unknown token like an invalid one.
				writeFullSyncRequired(w)
			} else {
				badRequest(w, info.ep, msgBadSyncToken, "syncToken")
			}
			return nil, nil, false
		}
		if t.epoch < epoch {
			if info.ep.calendar() {
				writeFullSyncRequired(w)
			} else {
				a.writeExpired(w)
			}
			return nil, nil, false
		}
		if t.params != syncParams {
			badRequest(w, info.ep, msgParamsChanged, "syncToken")
			return nil, nil, false
		}
		st = &t
	}
	if v := q.Get("pageToken"); v != "" {
		t, err := decodeToken(v)
		if err != nil || t.kind != 'P' || t.ep != code || t.acct != a.id || t.cal != cal {
			badRequest(w, info.ep, msgBadPageToken, "pageToken")
			return nil, nil, false
		}
		from := int64(-1)
		if st != nil {
			from = st.from
		}
		if t.params != pageParams || t.from != from {
			badRequest(w, info.ep, msgParamsChanged, "pageToken")
			return nil, nil, false
		}
		pt = &t
	}
	return st, pt, true
}

func (a *Account) syncToken(ep Endpoint, params, cal uint64, seq int64) string {
	a.mu.RLock()
	epoch := a.epoch
	a.mu.RUnlock()
	return token{kind: 'S', ep: endpointCode(ep), acct: a.id, cal: cal, epoch: epoch, params: params, from: seq}.encode()
}

func (a *Account) pageToken(ep Endpoint, params, cal uint64, from, snap, pos int64, page int) string {
	return token{kind: 'P', ep: endpointCode(ep), acct: a.id, cal: cal, params: params,
		from: from, snap: snap, pos: pos, page: int64(page) + 1}.encode()
}

// connections serves GET /v1/people/me/connections.
func (s *Server) connections(w http.ResponseWriter, r *http.Request, info *reqInfo) {
	a := info.acct
	q := r.URL.Query()
	pf := q.Get("personFields")
	if pf == "" {
		pf = q.Get("requestMask.includeField")
	}
	if pf == "" {
		badRequest(w, info.ep, "personFields mask is required. Please specify one or more valid paths. Valid paths are documented at https://developers.google.com/people/api/rest/v1/people.connections/list.", "personFields")
		return
	}
	var fields fieldSet
	for _, f := range strings.Split(pf, ",") {
		f = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(f), "person."))
		b := personField(f)
		if b == 0 {
			badRequest(w, info.ep, "Invalid personFields mask path: \""+f+"\". Valid paths are documented at https://developers.google.com/people/api/rest/v1/people.connections/list.", "personFields")
			return
		}
		fields |= b
	}
	size, ok := parsePageSize(q, "pageSize", 100, 1000)
	if !ok {
		badRequest(w, info.ep, "Invalid pageSize: must be between 1 and 1000, inclusive.", "pageSize")
		return
	}
	for _, src := range q["sources"] {
		if !validSources[src] {
			badRequest(w, info.ep, "Invalid value at 'sources' ("+src+").", "sources")
			return
		}
	}
	reqSync := false
	switch v := q.Get("requestSyncToken"); v {
	case "", "false":
	case "true":
		reqSync = true
	default:
		badRequest(w, info.ep, "Invalid value at 'request_sync_token' (TYPE_BOOL), \""+v+"\"", "requestSyncToken")
		return
	}
	params := hashString("connections\x00" + pf + "\x00" + strconv.Itoa(size) + "\x00" +
		strings.Join(q["sources"], ",") + "\x00" + strconv.FormatBool(reqSync))
	st, pt, ok := a.chainTokens(w, info, q, params, params, 0)
	if !ok {
		return
	}

	s.streamBody(w, info, func(enc *jw) {
		enc.open()
		items := itemList{w: enc, key: "connections"}
		a.mu.RLock()
		snap := a.seq
		if pt != nil {
			snap = pt.snap
		}
		var nextPos int64
		var more bool
		if st == nil {
			// Full pass: people in index order.
			pos := 0
			if pt != nil {
				pos = int(pt.pos)
			}
			for ; pos < a.total && items.n < size; pos++ {
				ps := a.people[pos]
				if ps != nil && (ps.deleted || ps.gone) {
					continue
				}
				items.person(a.personAt(pos, ps, fields, false))
			}
			for ; pos < a.total; pos++ { // skip trailing deleted people
				if ps := a.people[pos]; ps == nil || !(ps.deleted || ps.gone) {
					more = true
					break
				}
			}
			nextPos = int64(pos)
		} else {
			// Incremental pass: the change log after the token, up to snap.
			pos := sort.Search(len(a.plog), func(j int) bool { return a.plog[j].seq > st.from })
			if pt != nil {
				pos = int(pt.pos)
			}
			for ; pos < len(a.plog) && a.plog[pos].seq <= snap && items.n < size; pos++ {
				e := a.plog[pos]
				ps := a.people[e.idx]
				if ps.seq != e.seq || ps.gone { // superseded by a later change, or merged away
					continue
				}
				if ps.deleted {
					name := a.nameOf(e.idx)
					if k, reused := a.names[name]; reused && k != e.idx {
						continue // re-created under the same name: the new person is reported
					}
					items.person(&people.Person{
						ResourceName: name, Etag: a.personEtag(e.idx, ps.version),
						Metadata: &people.PersonMetadata{Deleted: true},
					})
					continue
				}
				items.person(a.personAt(e.idx, ps, fields, true))
			}
			for ; pos < len(a.plog) && a.plog[pos].seq <= snap; pos++ {
				e := a.plog[pos]
				if ps := a.people[e.idx]; ps.seq == e.seq && !ps.gone {
					more = true
					break
				}
			}
			nextPos = int64(pos)
		}
		total := int64(a.live)
		a.mu.RUnlock()
		items.end()

		from := int64(-1)
		if st != nil {
			from = st.from
		}
		var next, sync string
		if more {
			next = a.pageToken(info.ep, params, 0, from, snap, nextPos, info.page)
		} else if reqSync {
			sync = a.syncToken(info.ep, params, 0, snap)
		}
		enc.connectionsTail(next, sync, total)
	})
}

var validGroupFields = map[string]bool{"clientData": true, "groupType": true, "memberCount": true, "metadata": true, "name": true}

// contactGroups serves GET /v1/contactGroups.
func (s *Server) contactGroups(w http.ResponseWriter, r *http.Request, info *reqInfo) {
	a := info.acct
	q := r.URL.Query()
	gf := q.Get("groupFields")
	if gf == "" {
		gf = "metadata,groupType,memberCount,name"
	}
	want := map[string]bool{}
	for _, f := range strings.Split(gf, ",") {
		f = strings.TrimSpace(f)
		if !validGroupFields[f] {
			badRequest(w, info.ep, "Invalid groupFields mask path: \""+f+"\".", "groupFields")
			return
		}
		want[f] = true
	}
	size, ok := parsePageSize(q, "pageSize", 30, 1000)
	if !ok {
		badRequest(w, info.ep, "Invalid pageSize: must be between 1 and 1000, inclusive.", "pageSize")
		return
	}
	params := hashString("groups\x00" + q.Get("groupFields") + "\x00" + strconv.Itoa(size))
	st, pt, ok := a.chainTokens(w, info, q, params, params, 0)
	if !ok {
		return
	}
	var counts map[string]int64
	if want["memberCount"] {
		counts = a.memberCounts()
	}
	resp := &people.ListContactGroupsResponse{ContactGroups: []*people.ContactGroup{}}
	a.mu.RLock()
	snap := a.seq
	if pt != nil {
		snap = pt.snap
	}
	pos := 0
	if pt != nil {
		pos = int(pt.pos)
	}
	emit := func(g *groupState) bool {
		if st == nil {
			return !g.deleted
		}
		return g.seq > st.from && g.seq <= snap
	}
	live := 0
	for _, g := range a.groups {
		if !g.deleted {
			live++
		}
	}
	for ; pos < len(a.groups) && len(resp.ContactGroups) < size; pos++ {
		g := a.groups[pos]
		if !emit(g) {
			continue
		}
		cg := &people.ContactGroup{ResourceName: g.resourceName, Etag: b64(hash64(a.seed, hashString(g.resourceName), uint64(g.version)), 9)}
		if g.deleted {
			cg.Metadata = &people.ContactGroupMetadata{Deleted: true}
			resp.ContactGroups = append(resp.ContactGroups, cg)
			continue
		}
		if want["metadata"] {
			cg.Metadata = &people.ContactGroupMetadata{UpdateTime: g.updated.Format("2006-01-02T15:04:05.000Z")}
		}
		if want["groupType"] {
			cg.GroupType = "USER_CONTACT_GROUP"
			if g.system {
				cg.GroupType = "SYSTEM_CONTACT_GROUP"
			}
		}
		if want["name"] {
			cg.Name, cg.FormattedName = g.name, g.name
			for _, sg := range systemGroups {
				if g.system && sg.id == g.name {
					cg.FormattedName = sg.formatted
				}
			}
		}
		if want["memberCount"] {
			cg.MemberCount = counts[g.resourceName]
		}
		resp.ContactGroups = append(resp.ContactGroups, cg)
	}
	more := false
	for ; pos < len(a.groups); pos++ {
		if emit(a.groups[pos]) {
			more = true
			break
		}
	}
	a.mu.RUnlock()
	resp.TotalItems = int64(live)
	from := int64(-1)
	if st != nil {
		from = st.from
	}
	if more {
		resp.NextPageToken = a.pageToken(info.ep, params, 0, from, snap, int64(pos), info.page)
	} else {
		resp.NextSyncToken = a.syncToken(info.ep, params, 0, snap)
	}
	s.writeJSON(w, info, resp)
}

// memberCounts counts the live members of every group: generated
// memberships computed per index (no person is built), stored people
// counted from their content.
func (a *Account) memberCounts() map[string]int64 {
	a.mu.RLock()
	defer a.mu.RUnlock()
	out := map[string]int64{}
	for i := 0; i < a.total; i++ {
		ps := a.people[i]
		if ps != nil && (ps.deleted || ps.gone) {
			continue
		}
		out["contactGroups/all"]++
		if ps != nil && ps.person != nil {
			for _, m := range ps.person.Memberships {
				if m.ContactGroupMembership != nil {
					out[m.ContactGroupMembership.ContactGroupResourceName]++
				}
			}
			continue
		}
		for _, g := range a.genMemberships(i) {
			out[g]++
		}
	}
	return out
}
