package googlefake

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Chain selects requests by the kind of pass they belong to.
type Chain int

const (
	// AnyChain matches full and incremental passes.
	AnyChain Chain = iota
	// FullChain matches requests without a syncToken.
	FullChain
	// IncrementalChain matches requests with a syncToken.
	IncrementalChain
)

// Always as Rule.Times fires the fault on every matching request.
const Always = -1

// Rule scripts a failure: requests that match Account, Endpoint, Calendar,
// Chain and Page are counted; after the first After of them, the next Times
// get Fault instead of (or, for Slow, before) the normal answer.
// "Fail page 7 once with 503":
//
//	srv.Script(googlefake.Rule{Endpoint: googlefake.Connections, Page: 7, Fault: googlefake.Unavailable()})
type Rule struct {
	Account  string   // account key; "" = every account
	Endpoint Endpoint // "" = every endpoint
	Calendar string   // events.list: calendar ID as in the path; "" = every calendar
	Chain    Chain
	Page     int // page of the chain, 1 = the request without a page token; 0 = any request
	After    int // let this many matching requests through first
	Times    int // how many times to fire: 0 = once, Always = forever
	Fault    Fault
}

// Script is an installed Rule.
type Script struct {
	s     *Server
	rule  Rule
	mu    sync.Mutex
	seen  int
	fired int
}

// Script installs a rule; rules are tried in the order installed and the
// first one that fires answers.
func (s *Server) Script(r Rule) *Script {
	if r.Fault.kind == 0 {
		panic("googlefake: Script: Rule.Fault not set")
	}
	sc := &Script{s: s, rule: r}
	s.mu.Lock()
	s.rules = append(s.rules, sc)
	s.mu.Unlock()
	return sc
}

// Fired is how many requests the rule answered.
func (sc *Script) Fired() int {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return sc.fired
}

// Seen is how many requests matched the rule (fired or let through).
func (sc *Script) Seen() int {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return sc.seen
}

// Remove uninstalls the rule.
func (sc *Script) Remove() {
	sc.s.mu.Lock()
	defer sc.s.mu.Unlock()
	for k, r := range sc.s.rules {
		if r == sc {
			sc.s.rules = append(sc.s.rules[:k:k], sc.s.rules[k+1:]...)
			return
		}
	}
}

// ClearScripts removes every rule.
func (s *Server) ClearScripts() {
	s.mu.Lock()
	s.rules = nil
	s.mu.Unlock()
}

func (s *Server) match(info *reqInfo) (Fault, bool) {
	s.mu.Lock()
	rules := append([]*Script(nil), s.rules...)
	s.mu.Unlock()
	for _, sc := range rules {
		r := sc.rule
		if r.Account != "" && r.Account != info.acct.key ||
			r.Endpoint != "" && r.Endpoint != info.ep ||
			r.Calendar != "" && r.Calendar != info.calendar ||
			r.Page != 0 && r.Page != info.page ||
			r.Chain == FullChain && info.incremental ||
			r.Chain == IncrementalChain && !info.incremental {
			continue
		}
		sc.mu.Lock()
		sc.seen++
		times := r.Times
		if times == 0 {
			times = 1
		}
		fire := sc.seen > r.After && (times < 0 || sc.fired < times)
		if fire {
			sc.fired++
		}
		sc.mu.Unlock()
		if fire {
			return r.Fault, true
		}
	}
	return Fault{}, false
}

type faultKind int

const (
	_ faultKind = iota
	kStatus
	kRaw
	kTruncated
	kSlow
	kHangup
)

// Fault is what a scripted request gets. Build it with the functions
// below; the error bodies follow the endpoint's family (People:
// google.rpc.Status with details; Calendar: the legacy errors[] shape).
type Fault struct {
	kind       faultKind
	code       int
	reason     string // Calendar legacy reason / People ErrorInfo reason
	retryAfter string
	body       string
	ctype      string
	gate       *Gate
}

// RateLimited is 429 RESOURCE_EXHAUSTED (People, with ErrorInfo
// RATE_LIMIT_EXCEEDED) or 429 rateLimitExceeded (Calendar), with a
// Retry-After header of that many whole seconds when retryAfter > 0.
func RateLimited(retryAfter time.Duration) Fault {
	f := Fault{kind: kStatus, code: 429, reason: "rateLimitExceeded"}
	if retryAfter > 0 {
		f.retryAfter = strconv.Itoa(int((retryAfter + time.Second - 1) / time.Second))
	}
	return f
}

// WithRetryAfter sets the Retry-After header verbatim (seconds or an HTTP
// date).
func (f Fault) WithRetryAfter(v string) Fault { f.retryAfter = v; return f }

// Unavailable is 503 (People UNAVAILABLE; Calendar backendError).
func Unavailable() Fault { return Fault{kind: kStatus, code: 503, reason: "backendError"} }

// BackendError is 500 backendError (People INTERNAL).
func BackendError() Fault { return Fault{kind: kStatus, code: 500, reason: "backendError"} }

// BadGatewayHTML is a 502 with an HTML body, as Google's front end sends.
func BadGatewayHTML() Fault {
	return Fault{kind: kRaw, code: 502, ctype: "text/html; charset=UTF-8", body: `<!DOCTYPE html>
<html lang=en><meta charset=utf-8><title>Error 502 (Server Error)!!1</title>
<p><b>502.</b> <ins>That’s an error.</ins><p>The server encountered a temporary error and could not complete your request.<p>Please try again in 30 seconds.  <ins>That’s all we know.</ins>
`}
}

// RateLimitExceeded403 is Calendar's 403 usageLimits rateLimitExceeded.
func RateLimitExceeded403() Fault {
	return Fault{kind: kStatus, code: 403, reason: "rateLimitExceeded"}
}

// UserRateLimitExceeded403 is Calendar's 403 usageLimits userRateLimitExceeded.
func UserRateLimitExceeded403() Fault {
	return Fault{kind: kStatus, code: 403, reason: "userRateLimitExceeded"}
}

// QuotaExceeded403 is Calendar's 403 usageLimits quotaExceeded ("Calendar
// usage limits exceeded.").
func QuotaExceeded403() Fault { return Fault{kind: kStatus, code: 403, reason: "quotaExceeded"} }

// Forbidden403 is 403 PERMISSION_DENIED (People; insufficient scope) or
// Calendar's 403 forbidden.
func Forbidden403() Fault { return Fault{kind: kStatus, code: 403, reason: "forbidden"} }

// ExpiredToken answers as an expired sync token does: People per the
// account's ExpiredStatus (400 EXPIRED_SYNC_TOKEN or 410), Calendar 410
// fullSyncRequired.
func ExpiredToken() Fault { return Fault{kind: kStatus, code: 410, reason: "expired"} }

// UpdatedMinTooLongAgo is Calendar's 410 updatedMinTooLongAgo.
func UpdatedMinTooLongAgo() Fault {
	return Fault{kind: kStatus, code: 410, reason: "updatedMinTooLongAgo"}
}

// Unauthorized is 401 in the endpoint's shape.
func Unauthorized() Fault { return Fault{kind: kStatus, code: 401} }

// Status is a generic error of that HTTP status in the endpoint's shape.
func Status(code int) Fault { return Fault{kind: kStatus, code: code} }

// Raw answers status, content type and body verbatim.
func Raw(code int, contentType, body string) Fault {
	return Fault{kind: kRaw, code: code, ctype: contentType, body: body}
}

// Truncated answers 200 with the first half of the normal JSON body.
func Truncated() Fault { return Fault{kind: kTruncated} }

// Hangup closes the connection in the middle of the status line (a
// transport error the client does not retry by itself).
func Hangup() Fault { return Fault{kind: kHangup} }

// Slow holds the request until g is released or the request's context
// ends, then answers normally.
func Slow(g *Gate) Fault { return Fault{kind: kSlow, gate: g} }

// Gate holds Slow requests.
type Gate struct {
	release     chan struct{}
	relOnce     sync.Once
	arrived     chan struct{}
	arrivedOnce sync.Once
}

// NewGate returns a closed gate.
func NewGate() *Gate { return &Gate{release: make(chan struct{}), arrived: make(chan struct{})} }

// Release lets every held and future request through.
func (g *Gate) Release() { g.relOnce.Do(func() { close(g.release) }) }

// Arrived is closed when the first request starts waiting at the gate.
func (g *Gate) Arrived() <-chan struct{} { return g.arrived }

// Deadline returns a context whose deadline passes the moment the first
// request reaches the gate: a deadline that hits during that HTTP call,
// at the page the Rule chose, with no sleep and no timing. Its Err is
// then context.DeadlineExceeded (as is that of any context derived from
// it); its Deadline is an hour ahead, so retries are not cut short for
// want of time. stop ends the goroutine watching the gate (call it when
// done, arrived or not).
func (g *Gate) Deadline() (ctx context.Context, stop func()) {
	d := &gateDeadline{at: time.Now().Add(time.Hour), done: make(chan struct{})}
	quit := make(chan struct{})
	go func() {
		select {
		case <-g.arrived:
			close(d.done)
		case <-quit:
		}
	}()
	var once sync.Once
	return d, func() { once.Do(func() { close(quit) }) }
}

// gateDeadline is Gate.Deadline's context.
type gateDeadline struct {
	at   time.Time
	done chan struct{}
}

func (d *gateDeadline) Deadline() (time.Time, bool) { return d.at, true }
func (d *gateDeadline) Done() <-chan struct{}       { return d.done }
func (d *gateDeadline) Value(any) any               { return nil }
func (d *gateDeadline) Err() error {
	select {
	case <-d.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// apply answers the request; false means "continue with the normal
// answer" (Slow after release, Truncated through a wrapped writer).
func (f Fault) apply(w http.ResponseWriter, r *http.Request, info *reqInfo) bool {
	switch f.kind {
	case kSlow:
		f.gate.arrivedOnce.Do(func() { close(f.gate.arrived) })
		select {
		case <-f.gate.release:
		case <-r.Context().Done():
			return true
		}
		return false
	case kHangup:
		if hj, ok := unwrapHijacker(w); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				// A few bytes of a status line, then the end: the client
				// must not take it for an idle connection it may retry.
				_, _ = conn.Write([]byte("HTTP/1.1 50"))
				_ = conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler)
	case kRaw:
		w.Header().Set("Content-Type", f.ctype)
		w.Header().Set("Content-Length", strconv.Itoa(len(f.body)))
		w.WriteHeader(f.code)
		_, _ = w.Write([]byte(f.body))
		return true
	case kTruncated:
		info.truncate = true
		return false
	}
	if f.retryAfter != "" {
		w.Header().Set("Retry-After", f.retryAfter)
	}
	writeFault(w, f, info)
	return true
}

func unwrapHijacker(w http.ResponseWriter) (http.Hijacker, bool) {
	for {
		if hj, ok := w.(http.Hijacker); ok {
			return hj, true
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return nil, false
		}
		w = u.Unwrap()
	}
}

func writeFault(w http.ResponseWriter, f Fault, info *reqInfo) {
	if f.reason == "expired" {
		if info.ep.calendar() {
			writeFullSyncRequired(w)
		} else {
			info.acct.writeExpired(w)
		}
		return
	}
	if f.code == 401 {
		writeUnauthorized(w, info.ep)
		return
	}
	if info.ep.calendar() {
		domain, msg := "global", http.StatusText(f.code)
		switch f.reason {
		case "rateLimitExceeded":
			domain, msg = "usageLimits", "Rate Limit Exceeded"
		case "userRateLimitExceeded":
			domain, msg = "usageLimits", "User Rate Limit Exceeded"
		case "quotaExceeded":
			domain, msg = "usageLimits", "Calendar usage limits exceeded."
		case "backendError":
			msg = "Backend Error"
		case "updatedMinTooLongAgo":
			writeCalendarError(w, 410, "calendar", "updatedMinTooLongAgo",
				"The requested minimum modification time lies too far in the past.", []string{"parameter", "updatedMin"})
			return
		case "":
			f.reason = "error"
		}
		writeCalendarError(w, f.code, domain, f.reason, msg, nil)
		return
	}
	switch f.code {
	case 429:
		writeError(w, 429, "RESOURCE_EXHAUSTED",
			"Quota exceeded for quota metric 'Critical read requests (Contact and Profile Reads)' and limit 'Critical read requests (Contact and Profile Reads) per minute per user' of service 'people.googleapis.com' for consumer 'project_number:123456789'.",
			[]any{map[string]any{
				"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "RATE_LIMIT_EXCEEDED", "domain": "googleapis.com",
				"metadata": map[string]any{"service": "people.googleapis.com", "quota_metric": "people.googleapis.com/read_requests",
					"quota_limit": "ReadRequestsPerMinutePerUser", "consumer": "projects/123456789"},
			}})
	case 500:
		writeError(w, 500, "INTERNAL", "Internal error encountered.", nil)
	case 503:
		writeError(w, 503, "UNAVAILABLE", "The service is currently unavailable.", nil)
	case 403:
		writeError(w, 403, "PERMISSION_DENIED", "Request had insufficient authentication scopes.",
			[]any{map[string]any{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
				"domain": "googleapis.com", "metadata": map[string]any{"service": "people.googleapis.com", "method": string(info.ep)}}})
	default:
		writeError(w, f.code, statusText[f.code], http.StatusText(f.code), nil)
	}
}

func writeFullSyncRequired(w http.ResponseWriter) {
	writeCalendarError(w, 410, "calendar", "fullSyncRequired",
		"Sync token is no longer valid, a full sync is required.", []string{"parameter", "syncToken"})
}

const expiredMessage = "Sync token is expired. Clear local cache and retry call without the sync token."

func (a *Account) writeExpired(w http.ResponseWriter) {
	a.mu.RLock()
	code := a.expiredStatus
	a.mu.RUnlock()
	if code == 410 {
		writeError(w, 410, "", expiredMessage, nil)
		return
	}
	writeError(w, 400, "FAILED_PRECONDITION", expiredMessage, []any{map[string]any{
		"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "EXPIRED_SYNC_TOKEN", "domain": "people.googleapis.com",
	}})
}
