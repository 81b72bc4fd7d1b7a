package googlefake

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"golang.org/x/oauth2"
	"google.golang.org/api/option"
)

// Endpoint names one faked API method. Rules and recorded requests use it.
type Endpoint string

// The endpoints the server speaks.
const (
	Connections   Endpoint = "people.connections.list"
	ContactGroups Endpoint = "people.contactGroups.list"
	Events        Endpoint = "calendar.events.list"
	CalendarList  Endpoint = "calendar.calendarList.list"
)

func (e Endpoint) calendar() bool { return e == Events || e == CalendarList }

// Config configures a Server. The zero value is usable.
type Config struct {
	// Seed makes every generated account different; same seed, same bytes.
	Seed int64
	// Now is the clock used for "updated" times of mutations and for the
	// anchor of generated calendars when AccountConfig.Anchor is zero.
	// nil = time.Now.
	Now func() time.Time
	// MaxRecords bounds the requests kept for Server.Requests (counts in
	// Server.Hits are always kept). 0 = 10,000; negative = none kept.
	MaxRecords int
}

// Server is a running fake. Create it with New, stop it with Close. All
// methods are safe for concurrent use.
type Server struct {
	cfg Config
	srv *httptest.Server

	mu       sync.Mutex
	byToken  map[string]*Account
	byKey    map[string]*Account
	rules    []*Script
	records  []Request
	hits     map[hitKey]int
	maxRecs  int
	bufPool  sync.Pool
	nowFunc  func() time.Time
	closed   bool
	closeErr error
}

type hitKey struct {
	account  string
	endpoint Endpoint
}

// New starts a server on a loopback port.
func New(cfg Config) *Server {
	s := &Server{
		cfg:     cfg,
		byToken: map[string]*Account{},
		byKey:   map[string]*Account{},
		hits:    map[hitKey]int{},
		maxRecs: cfg.MaxRecords,
		nowFunc: cfg.Now,
	}
	if s.maxRecs == 0 {
		s.maxRecs = 10_000
	}
	if s.nowFunc == nil {
		s.nowFunc = time.Now
	}
	s.bufPool.New = func() any { b := make([]byte, 0, 64<<10); return &b }
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/people/me/connections", s.handle(Connections, s.connections))
	mux.HandleFunc("GET /v1/contactGroups", s.handle(ContactGroups, s.contactGroups))
	mux.HandleFunc("GET /calendar/v3/calendars/{calendarId}/events", s.handle(Events, s.events))
	mux.HandleFunc("GET /calendar/v3/users/me/calendarList", s.handle(CalendarList, s.calendarList))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/calendar/") {
			writeCalendarError(w, http.StatusNotFound, "global", "notFound", "Not Found", nil)
			return
		}
		writeError(w, http.StatusNotFound, "NOT_FOUND", "Requested entity was not found.", nil)
	})
	s.srv = httptest.NewServer(mux)
	return s
}

// URL is the server's base URL (http://127.0.0.1:port).
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server; held responses are released by their requests'
// contexts ending.
func (s *Server) Close() {
	s.mu.Lock()
	rules := s.rules
	s.mu.Unlock()
	for _, r := range rules {
		if r.rule.Fault.gate != nil {
			r.rule.Fault.gate.Release()
		}
	}
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// PeopleOptions returns the client options that point people.NewService at
// this server. Add option.WithTokenSource for the account.
func (s *Server) PeopleOptions() []option.ClientOption {
	return []option.ClientOption{option.WithEndpoint(s.srv.URL)}
}

// CalendarOptions returns the client options that point calendar.NewService
// at this server. Add option.WithTokenSource for the account.
func (s *Server) CalendarOptions() []option.ClientOption {
	return []option.ClientOption{option.WithEndpoint(s.srv.URL + "/calendar/v3/")}
}

// TokenSourceFunc returns the per-user token-source hook the syncs' configs
// take: the account whose key is userID.String(). A user without an account
// gets an error, as a host without a stored grant would return.
func (s *Server) TokenSourceFunc() func(ctx context.Context, userID uuid.UUID) (oauth2.TokenSource, error) {
	return func(_ context.Context, userID uuid.UUID) (oauth2.TokenSource, error) {
		a := s.Account(userID.String())
		if a == nil {
			return nil, fmt.Errorf("googlefake: no account %s", userID)
		}
		return a.TokenSource(), nil
	}
}

// Account returns the account with that key, or nil.
func (s *Server) Account(key string) *Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byKey[key]
}

// AddAccount creates an account. The key names it in rules and records
// (the syncs' tests use the user ID's String()). Adding a key twice panics.
func (s *Server) AddAccount(key string, cfg AccountConfig) *Account {
	a := newAccount(s, key, cfg)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.byKey[key]; dup {
		panic("googlefake: account " + key + " added twice")
	}
	s.byKey[key] = a
	s.byToken[a.token] = a
	return a
}

// Request is one recorded request.
type Request struct {
	Account     string // account key; "" when the token was unknown
	Endpoint    Endpoint
	Calendar    string // events.list: the calendar ID from the path
	Page        int    // page of its chain: 1 without a page token, 0 if the page token was invalid
	Incremental bool   // a syncToken was sent
	Query       url.Values
	Status      int // status answered; 0 when none was (Hangup, context ended)
}

// Requests returns the recorded requests of an account and endpoint in
// arrival order; "" matches every account or endpoint.
func (s *Server) Requests(account string, ep Endpoint) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Request{}
	for _, r := range s.records {
		if (account == "" || r.Account == account) && (ep == "" || r.Endpoint == ep) {
			out = append(out, r)
		}
	}
	return out
}

// Hits counts the requests of an account and endpoint; "" matches all.
func (s *Server) Hits(account string, ep Endpoint) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, v := range s.hits {
		if (account == "" || k.account == account) && (ep == "" || k.endpoint == ep) {
			n += v
		}
	}
	return n
}

// ResetRequests forgets recorded requests and counts.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records = nil
	s.hits = map[hitKey]int{}
}

// reqInfo is what a handler knows about a request before it answers.
type reqInfo struct {
	acct        *Account
	ep          Endpoint
	calendar    string
	page        int
	incremental bool
	truncate    bool // Truncated fault: cut the 200 body in half
}

type statusWriter struct {
	http.ResponseWriter
	status   int
	onHeader func(code int) // called once, before the header is written
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		w.onHeader(code)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// endpointHandler answers an authenticated request that no rule faulted.
type endpointHandler func(w http.ResponseWriter, r *http.Request, info *reqInfo)

func (s *Server) handle(ep Endpoint, h endpointHandler) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		info := &reqInfo{ep: ep, calendar: r.PathValue("calendarId"), incremental: q.Get("syncToken") != ""}
		info.page = 1
		if pt := q.Get("pageToken"); pt != "" {
			info.page = 0
			if t, err := decodeToken(pt); err == nil {
				info.page = int(t.page)
			}
		}
		// Recorded when the answer starts, so that a client that got its
		// answer always finds its request counted.
		recorded := false
		w := &statusWriter{ResponseWriter: rw, onHeader: func(code int) { recorded = true; s.record(info, q, code) }}
		defer func() {
			if !recorded {
				s.record(info, q, 0) // hung up or cancelled before an answer
			}
		}()

		info.acct = s.authenticate(r)
		if info.acct == nil {
			writeUnauthorized(w, ep)
			return
		}
		if f, ok := s.match(info); ok {
			if f.apply(w, r, info) {
				return
			}
			if r.Context().Err() != nil {
				return
			}
		}
		h(w, r, info)
	}
}

func (s *Server) authenticate(r *http.Request) *Account {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return nil
	}
	s.mu.Lock()
	a := s.byToken[tok]
	s.mu.Unlock()
	if a == nil || a.revoked.Load() {
		return nil
	}
	return a
}

func (s *Server) record(info *reqInfo, q url.Values, status int) {
	key := ""
	if info.acct != nil {
		key = info.acct.key
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hits[hitKey{key, info.ep}]++
	if s.maxRecs < 0 {
		return
	}
	if len(s.records) >= s.maxRecs {
		// Keep the most recent ones.
		n := copy(s.records, s.records[len(s.records)-s.maxRecs+1:])
		s.records = s.records[:n]
	}
	s.records = append(s.records, Request{
		Account: key, Endpoint: info.ep, Calendar: info.calendar, Page: info.page,
		Incremental: info.incremental, Query: q, Status: status,
	})
}

// ---- JSON output ----

const contentType = "application/json; charset=UTF-8"

func (s *Server) writeJSON(w http.ResponseWriter, info *reqInfo, v any) {
	s.writeBody(w, info, func(b []byte) []byte {
		out, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		return append(append(b, out...), '\n')
	})
}

// streamBody answers 200 with the JSON that fill writes, streamed in
// chunks (no Content-Length: chunked, as Google's front end often sends), so
// that a page is never held whole by the server. Under a Truncated fault
// the whole body is built and its first half sent with a Content-Length.
func (s *Server) streamBody(w http.ResponseWriter, info *reqInfo, fill func(enc *jw)) {
	if info.truncate {
		s.writeBody(w, info, func(b []byte) []byte {
			enc := &jw{b: b}
			fill(enc)
			return enc.b
		})
		return
	}
	bp := s.bufPool.Get().(*[]byte)
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	failed := false
	enc := &jw{b: (*bp)[:0], out: func(b []byte) {
		if !failed {
			_, err := w.Write(b)
			failed = err != nil
		}
	}}
	fill(enc)
	enc.out(enc.b)
	if cap(enc.b) <= 1<<20 {
		*bp = enc.b
		s.bufPool.Put(bp)
	}
}

// writeBody answers 200 with the JSON that appendBody appends, cut in half
// under a Truncated fault.
func (s *Server) writeBody(w http.ResponseWriter, info *reqInfo, appendBody func([]byte) []byte) {
	bp := s.bufPool.Get().(*[]byte)
	body := appendBody((*bp)[:0])
	defer func() {
		if cap(body) <= 8<<20 {
			*bp = body
			s.bufPool.Put(bp)
		}
	}()
	out := body
	if info.truncate {
		out = body[:len(body)/2]
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
}

func writeRaw(w http.ResponseWriter, code int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", fmt.Sprint(len(b)+1))
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n'))
}

var statusText = map[int]string{
	400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
	409: "ABORTED", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED",
}

// writeError writes the People (google.rpc.Status) error shape.
func writeError(w http.ResponseWriter, code int, status, message string, details []any) {
	e := map[string]any{"code": code, "message": message}
	if status != "" {
		e["status"] = status
	}
	if len(details) > 0 {
		e["details"] = details
	}
	writeRaw(w, code, map[string]any{"error": e})
}

// writeCalendarError writes the Calendar (legacy errors[]) error shape.
func writeCalendarError(w http.ResponseWriter, code int, domain, reason, message string, loc []string) {
	item := map[string]any{"domain": domain, "reason": reason, "message": message}
	if len(loc) == 2 {
		item["locationType"], item["location"] = loc[0], loc[1]
	}
	writeRaw(w, code, map[string]any{"error": map[string]any{
		"errors": []any{item}, "code": code, "message": message,
	}})
}

func writeUnauthorized(w http.ResponseWriter, ep Endpoint) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="https://accounts.google.com/", error="invalid_token"`)
	if ep.calendar() {
		writeCalendarError(w, 401, "global", "authError", "Invalid Credentials", []string{"header", "Authorization"})
		return
	}
	writeError(w, 401, "UNAUTHENTICATED",
		"Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
		[]any{map[string]any{
			"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "ACCESS_TOKEN_TYPE_UNSUPPORTED",
			"domain": "googleapis.com", "metadata": map[string]any{"service": "people.googleapis.com", "method": string(ep)},
		}})
}

func badRequest(w http.ResponseWriter, ep Endpoint, message string, param string) {
	if ep.calendar() {
		writeCalendarError(w, 400, "global", "invalid", message, []string{"parameter", param})
		return
	}
	writeError(w, 400, "INVALID_ARGUMENT", message, nil)
}

// ---- hashing helpers ----

// hash64 mixes its arguments into a 64-bit value (deterministic).
func hash64(parts ...uint64) uint64 {
	h := uint64(0x9e3779b97f4a7c15)
	for _, p := range parts {
		h ^= p + 0x9e3779b97f4a7c15 + (h << 6) + (h >> 2)
		h = splitmix(h)
	}
	return h
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func hashString(s string) uint64 {
	sum := sha256.Sum256([]byte(s))
	return binary.LittleEndian.Uint64(sum[:8])
}

// b64 returns n bytes of the hash stream of h, base64url.
func b64(h uint64, n int) string {
	b := make([]byte, 0, n+8)
	for len(b) < n {
		h = splitmix(h)
		b = binary.LittleEndian.AppendUint64(b, h)
	}
	return base64.RawURLEncoding.EncodeToString(b[:n])
}

var errBadToken = errors.New("bad token")
