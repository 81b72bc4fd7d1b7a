package gsync

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/kithhq/kith/kithtest"
	"github.com/kithhq/kith/memguard"
	"golang.org/x/oauth2"
	"google.golang.org/api/calendar/v3"
	"google.golang.org/api/option"
	"google.golang.org/api/people/v1"
)

func TestMain(m *testing.M) { kithtest.Main(m) }

// reply is one scripted answer of the fake.
type reply struct {
	code   int
	header map[string]string
	body   string
}

// fake answers each request with the next scripted reply (the last one
// repeats) and counts the requests. It is an http.Handler, served either
// by an httptest.Server or in-process (inProcess) for synctest bubbles.
type fake struct {
	mu      sync.Mutex
	replies []reply
	hits    int
	// failTransport makes the first n requests fail in transit (in-process
	// only).
	failTransport int
}

func newFake(replies ...reply) *fake { return &fake{replies: replies} }

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	i := min(f.hits, len(f.replies)-1)
	f.hits++
	rep := f.replies[i]
	f.mu.Unlock()
	ct := "application/json; charset=UTF-8"
	if strings.HasPrefix(rep.body, "<") {
		ct = "text/html; charset=UTF-8"
	}
	w.Header().Set("Content-Type", ct)
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(rep.code)
	_, _ = w.Write([]byte(rep.body))
}

func (f *fake) Hits() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits
}

// RoundTrip serves the request in-process: no socket, no goroutine, so a
// testing/synctest bubble can advance its clock.
func (f *fake) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	if f.failTransport > 0 {
		f.failTransport--
		f.hits++
		f.mu.Unlock()
		return nil, errors.New("connection reset by peer")
	}
	f.mu.Unlock()
	rec := httptest.NewRecorder()
	f.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// A sync token and personal data the fake's requests and bodies carry:
// none of them may appear in a classified error's text.
const (
	secretToken = "SECRET-SYNC-TOKEN-e5f1"
	personal    = "ada.lovelace@example.com"
)

func peopleService(t *testing.T, opts ...option.ClientOption) *people.Service {
	t.Helper()
	s, err := people.NewService(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func calendarService(t *testing.T, opts ...option.ClientOption) *calendar.Service {
	t.Helper()
	s, err := calendar.NewService(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func listPeople(ctx context.Context, s *people.Service) (*people.ListConnectionsResponse, error) {
	return s.People.Connections.List("people/me").PersonFields("names,emailAddresses,metadata").
		PageSize(1000).RequestSyncToken(true).SyncToken(secretToken).Context(ctx).Do()
}

func listEvents(ctx context.Context, s *calendar.Service) (*calendar.Events, error) {
	return s.Events.List(personal).SingleEvents(true).ShowDeleted(true).MaxResults(2500).
		SyncToken(secretToken).Context(ctx).Do()
}

// Error bodies from the reference (google-sync.md), some with personal
// data added to their message as a real one could have.
const (
	peopleExpired           = `{"error":{"code":400,"message":"Sync token is expired. Clear local cache and retry call without the sync token.","status":"FAILED_PRECONDITION","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"EXPIRED_SYNC_TOKEN","domain":"people.googleapis.com"}]}}`
	peopleExpiredInvalidArg = `{"error":{"code":400,"message":"Sync token is expired.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"EXPIRED_SYNC_TOKEN","domain":"people.googleapis.com"}]}}`
	peopleBadRequest        = `{"error":{"code":400,"message":"Sync token is expired for ` + personal + `","status":"FAILED_PRECONDITION"}}`
	peopleRate429           = `{"error":{"code":429,"message":"Quota exceeded for quota metric 'Critical read requests' of service 'people.googleapis.com' for consumer 'project_number:123456789'.","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"RATE_LIMIT_EXCEEDED","domain":"googleapis.com","metadata":{"service":"people.googleapis.com","quota_metric":"people.googleapis.com/critical_read_requests","consumer":"projects/123456789"}}]}}`
	peopleQuotaFailure      = `{"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"subject":"QUOTA_EXCEEDED","description":"FBS quota limit exceeded"}]}]}}`
	scopeInsufficient       = `{"error":{"code":403,"message":"Request had insufficient authentication scopes.","errors":[{"message":"Insufficient Permission","domain":"global","reason":"insufficientPermissions"}],"status":"PERMISSION_DENIED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"ACCESS_TOKEN_SCOPE_INSUFFICIENT","domain":"googleapis.com"}]}}`
	calFullSync             = `{"error":{"errors":[{"domain":"calendar","reason":"fullSyncRequired","message":"Sync token is no longer valid, a full sync is required.","locationType":"parameter","location":"syncToken"}],"code":410,"message":"Sync token is no longer valid, a full sync is required."}}`
	calUpdatedMin           = `{"error":{"errors":[{"domain":"calendar","reason":"updatedMinTooLongAgo","message":"The requested minimum modification time lies too far in the past.","locationType":"parameter","location":"updatedMin"}],"code":410,"message":"The requested minimum modification time lies too far in the past."}}`
	calTimeRange            = `{"error":{"errors":[{"domain":"calendar","reason":"timeRangeEmpty","message":"The specified time range is empty.","locationType":"parameter","location":"timeMax"}],"code":400,"message":"The specified time range is empty."}}`
	calAuth                 = `{"error":{"errors":[{"domain":"global","reason":"authError","message":"Invalid Credentials","locationType":"header","location":"Authorization"}],"code":401,"message":"Invalid Credentials"}}`
	calUserRate             = `{"error":{"errors":[{"domain":"usageLimits","reason":"userRateLimitExceeded","message":"User Rate Limit Exceeded"}],"code":403,"message":"User Rate Limit Exceeded"}}`
	calRate403              = `{"error":{"errors":[{"domain":"usageLimits","reason":"rateLimitExceeded","message":"Rate Limit Exceeded"}],"code":403,"message":"Rate Limit Exceeded"}}`
	calQuota                = `{"error":{"errors":[{"domain":"usageLimits","reason":"quotaExceeded","message":"Calendar usage limits exceeded."}],"code":403,"message":"Calendar usage limits exceeded."}}`
	calNotFound             = `{"error":{"errors":[{"domain":"global","reason":"notFound","message":"Not Found: ` + personal + `"}],"code":404,"message":"Not Found: ` + personal + `"}}`
	calRate429              = `{"error":{"errors":[{"domain":"usageLimits","reason":"rateLimitExceeded","message":"Rate Limit Exceeded"}],"code":429,"message":"Rate Limit Exceeded"}}`
	calBackend              = `{"error":{"errors":[{"domain":"global","reason":"backendError","message":"Backend Error"}],"code":500,"message":"Backend Error"}}`
	html502                 = `<!DOCTYPE html><html lang=en><title>Error 502 (Server Error)!!1</title><p><b>502.</b> That’s an error. ` + personal + `</html>`
	truncated               = `{"connections":[{"resourceName":"people/c1","names":[{"displayName":"Ada Lovelace"}],"emailAddresses":[{"value":"` + personal + `"}`
	okPeople                = `{"connections":[],"nextSyncToken":"next"}`
	okEvents                = `{"kind":"calendar#events","items":[],"nextSyncToken":"next"}`
)

// kindOf names what Classify made of err, for the table below.
func kindOf(err error) string {
	var rl *RateLimitError
	var ae *APIError
	switch {
	case err == nil:
		return "nil"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case IsAccessRevoked(err):
		return "revoked"
	case errors.As(err, &rl):
		return "ratelimit"
	case errors.As(err, &ae):
		return fmt.Sprintf("api %d %s", ae.Code, ae.Reason)
	}
	return "other"
}

// TestClassifyGoogleErrors feeds every error shape of the reference to the
// real v0.312.0 clients through an httptest server, and checks what each
// classification helper says and that no classified text carries the
// token, the message or the body.
func TestClassifyGoogleErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		api       string // "people" or "calendar"
		rep       reply
		kind      string // kindOf(Classify(err))
		text      string // Classify(err).Error()
		retryable bool   // IsRetryable on the raw error
		expired   bool   // IsPeopleTokenExpired
		fullSync  bool   // IsCalendarFullSyncRequired
	}{
		{"people expired 400", "people", reply{code: 400, body: peopleExpired}, "api 400 EXPIRED_SYNC_TOKEN",
			"sync: Google API error: HTTP 400 EXPIRED_SYNC_TOKEN", false, true, false},
		{"people expired INVALID_ARGUMENT", "people", reply{code: 400, body: peopleExpiredInvalidArg}, "api 400 EXPIRED_SYNC_TOKEN",
			"sync: Google API error: HTTP 400 EXPIRED_SYNC_TOKEN", false, true, false},
		{"people 400 message only", "people", reply{code: 400, body: peopleBadRequest}, "api 400 ",
			"sync: Google API error: HTTP 400", false, false, false},
		{"people 410", "people", reply{code: 410, body: `{"error":{"code":410,"message":"Gone"}}`}, "api 410 ",
			"sync: Google API error: HTTP 410", false, true, true},
		{"people 429 RATE_LIMIT_EXCEEDED", "people", reply{code: 429, body: peopleRate429}, "ratelimit",
			"sync: rate limited by Google (HTTP 429)", true, false, false},
		{"people 429 QuotaFailure Retry-After", "people", reply{code: 429, body: peopleQuotaFailure, header: map[string]string{"Retry-After": "120"}}, "ratelimit",
			"sync: rate limited by Google (HTTP 429): retry after 2m0s", true, false, false},
		{"people 403 scope", "people", reply{code: 403, body: scopeInsufficient}, "revoked",
			"sync: Google access revoked: HTTP 403 ACCESS_TOKEN_SCOPE_INSUFFICIENT", false, false, false},
		{"people truncated JSON", "people", reply{code: 200, body: truncated}, "api 0 invalidResponse",
			"sync: Google API error: invalidResponse", true, false, false},
		{"people HTML on 200", "people", reply{code: 200, body: "<html>oops</html>"}, "api 0 invalidResponse",
			"sync: Google API error: invalidResponse", true, false, false},
		{"people empty 200", "people", reply{code: 200, body: ""}, "api 0 invalidResponse",
			"sync: Google API error: invalidResponse", true, false, false},
		{"people HTML 502", "people", reply{code: 502, body: html502}, "api 502 ",
			"sync: Google API error: HTTP 502", true, false, false},
		{"calendar 410 fullSyncRequired", "calendar", reply{code: 410, body: calFullSync}, "api 410 fullSyncRequired",
			"sync: Google API error: HTTP 410 fullSyncRequired", false, true, true},
		{"calendar 410 updatedMinTooLongAgo", "calendar", reply{code: 410, body: calUpdatedMin}, "api 410 updatedMinTooLongAgo",
			"sync: Google API error: HTTP 410 updatedMinTooLongAgo", false, true, true},
		{"calendar 400 timeRangeEmpty", "calendar", reply{code: 400, body: calTimeRange}, "api 400 timeRangeEmpty",
			"sync: Google API error: HTTP 400 timeRangeEmpty", false, false, false},
		{"calendar 401 authError", "calendar", reply{code: 401, body: calAuth}, "revoked",
			"sync: Google access revoked: HTTP 401", false, false, false},
		{"calendar 403 userRateLimitExceeded", "calendar", reply{code: 403, body: calUserRate}, "ratelimit",
			"sync: rate limited by Google (HTTP 403)", true, false, false},
		{"calendar 403 rateLimitExceeded", "calendar", reply{code: 403, body: calRate403}, "ratelimit",
			"sync: rate limited by Google (HTTP 403)", true, false, false},
		{"calendar 403 quotaExceeded", "calendar", reply{code: 403, body: calQuota}, "api 403 quotaExceeded",
			"sync: Google API error: HTTP 403 quotaExceeded", false, false, false},
		{"calendar 404 notFound", "calendar", reply{code: 404, body: calNotFound}, "api 404 notFound",
			"sync: Google API error: HTTP 404 notFound", false, false, false},
		{"calendar 429 rateLimitExceeded", "calendar", reply{code: 429, body: calRate429}, "ratelimit",
			"sync: rate limited by Google (HTTP 429)", true, false, false},
		{"calendar 500 backendError", "calendar", reply{code: 500, body: calBackend}, "api 500 backendError",
			"sync: Google API error: HTTP 500 backendError", true, false, false},
		{"calendar HTML 502", "calendar", reply{code: 502, body: html502}, "api 502 ",
			"sync: Google API error: HTTP 502", true, false, false},
		{"calendar truncated JSON", "calendar", reply{code: 200, body: `{"kind":"calendar#events","items":[{"id":"e1","summary":"Lunch with Ada`}, "api 0 invalidResponse",
			"sync: Google API error: invalidResponse", true, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(tc.rep)
			srv := httptest.NewServer(f)
			defer srv.Close()
			ctx := context.Background()
			var err error
			if tc.api == "people" {
				_, err = listPeople(ctx, peopleService(t, option.WithEndpoint(srv.URL), option.WithoutAuthentication()))
			} else {
				_, err = listEvents(ctx, calendarService(t, option.WithEndpoint(srv.URL+"/calendar/v3/"), option.WithoutAuthentication()))
			}
			if err == nil {
				t.Fatal("call succeeded")
			}
			checkClassified(t, err, tc.kind, tc.text)
			if got := IsRetryable(err); got != tc.retryable {
				t.Errorf("IsRetryable = %v, want %v", got, tc.retryable)
			}
			if got := IsRetryable(Classify(err)); got != tc.retryable && !errors.Is(Classify(err), ErrRateLimited) {
				t.Errorf("IsRetryable(Classify) = %v, want %v", got, tc.retryable)
			}
			if got := IsPeopleTokenExpired(err); got != tc.expired {
				t.Errorf("IsPeopleTokenExpired = %v, want %v", got, tc.expired)
			}
			if got := IsPeopleTokenExpired(Classify(err)); got != tc.expired {
				t.Errorf("IsPeopleTokenExpired(Classify) = %v, want %v", got, tc.expired)
			}
			if got := IsCalendarFullSyncRequired(Classify(err)); got != tc.fullSync {
				t.Errorf("IsCalendarFullSyncRequired = %v, want %v", got, tc.fullSync)
			}
			if f.Hits() != 1 {
				t.Errorf("%d requests, want 1 (the client does not retry)", f.Hits())
			}
		})
	}
}

// checkClassified checks Classify(err)'s kind and text, that the text and
// ErrorText carry nothing of the request or the response, and that the
// client's error stays in the chain.
func checkClassified(t *testing.T, err error, kind, text string) {
	t.Helper()
	c := Classify(err)
	if got := kindOf(c); got != kind {
		t.Errorf("kind = %q, want %q (%v)", got, kind, c)
	}
	if c.Error() != text {
		t.Errorf("text = %q, want %q", c.Error(), text)
	}
	if got := ErrorText(err); got != text {
		t.Errorf("ErrorText = %q, want %q", got, text)
	}
	for _, leak := range []string{secretToken, personal, "Ada", "Sync token", "http", "googleapi", "<"} {
		if strings.Contains(c.Error(), leak) {
			t.Errorf("classified text %q carries %q", c.Error(), leak)
		}
	}
	if !errors.Is(c, err) && !errors.Is(err, context.Canceled) {
		t.Errorf("the client's error is not in the classified error's chain")
	}
	if Classify(c) != c {
		t.Errorf("Classify is not idempotent")
	}
}

// TestClassifyTransportAndAuth: a server that is gone, a token refresh
// answered invalid_grant, a cancelled context.
func TestClassifyTransportAndAuth(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("server gone", func(t *testing.T) {
		srv := httptest.NewServer(newFake(reply{code: 200, body: okPeople}))
		srv.Close()
		_, err := listPeople(ctx, peopleService(t, option.WithEndpoint(srv.URL), option.WithoutAuthentication()))
		if err == nil || !strings.Contains(err.Error(), secretToken) {
			t.Fatalf("err = %v; want a *url.Error naming the URL (and its token), which Classify must hide", err)
		}
		checkClassified(t, err, "api 0 transport", "sync: Google API error: transport")
		if !IsRetryable(err) {
			t.Error("a transport error is not retryable")
		}
	})

	t.Run("invalid_grant", func(t *testing.T) {
		// The token endpoint of a real oauth2.Config answers like Google
		// does for a revoked refresh token.
		tokenSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			fmt.Fprint(w, `{"error":"invalid_grant","error_description":"Token has been expired or revoked for `+personal+`."}`)
		}))
		defer tokenSrv.Close()
		api := newFake(reply{code: 200, body: okPeople})
		apiSrv := httptest.NewServer(api)
		defer apiSrv.Close()
		cfg := &oauth2.Config{ClientID: "id", ClientSecret: "secret", Endpoint: oauth2.Endpoint{TokenURL: tokenSrv.URL}}
		ts := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: "refresh-" + secretToken})
		_, err := listPeople(ctx, peopleService(t, option.WithEndpoint(apiSrv.URL), option.WithTokenSource(ts)))
		var re *oauth2.RetrieveError
		if !errors.As(err, &re) {
			t.Fatalf("err = %v, want an *oauth2.RetrieveError in the chain", err)
		}
		checkClassified(t, err, "revoked", "sync: Google access revoked: invalid_grant")
		if IsRetryable(err) || IsRetryable(Classify(err)) {
			t.Error("invalid_grant is retryable")
		}
		if api.Hits() != 0 {
			t.Errorf("the API got %d requests without a token", api.Hits())
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		srv := httptest.NewServer(newFake(reply{code: 200, body: okPeople}))
		defer srv.Close()
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := listPeople(cctx, peopleService(t, option.WithEndpoint(srv.URL), option.WithoutAuthentication()))
		if c := Classify(err); c != context.Canceled {
			t.Errorf("Classify = %#v, want context.Canceled itself", c)
		}
		if IsRetryable(err) {
			t.Error("a cancelled call is retryable")
		}
	})
}

// TestClassifyLeavesOthersAlone: nil, non-Google errors and errors already
// classified come back unchanged; the classified types match their
// sentinels.
func TestClassifyLeavesOthersAlone(t *testing.T) {
	boom := errors.New("contacts: conflicting concurrent changes")
	if Classify(nil) != nil || Classify(boom) != boom {
		t.Error("Classify changed nil or a non-Google error")
	}
	wrapped := fmt.Errorf("page 3: %w", &APIError{Code: 500})
	if Classify(wrapped) != wrapped {
		t.Error("Classify changed an error already classified")
	}
	if !errors.Is(&APIError{Code: 500}, ErrGoogle) || !errors.Is(&RateLimitError{}, ErrRateLimited) {
		t.Error("typed errors do not match their sentinels")
	}
	if got := ErrorText(fmt.Errorf("apply page: %w: contact %s", boom, personal)); got != boom.Error() {
		t.Errorf("ErrorText of a wrapped kith sentinel = %q", got)
	}
	if got := ErrorText(fmt.Errorf("x: %w", errors.New("row for "+personal))); got != "sync: failed (*errors.errorString)" {
		t.Errorf("ErrorText of a foreign error = %q", got)
	}
	if got := ErrorText(fmt.Errorf("x: %w", context.DeadlineExceeded)); got != "context deadline exceeded" {
		t.Errorf("ErrorText of a deadline = %q", got)
	}
	if ErrorText(nil) != "" {
		t.Error("ErrorText(nil) is not empty")
	}
}

// TestErrorTextMemguard: a memory refusal is stored with its figures and
// not reclassified.
func TestErrorTextMemguard(t *testing.T) {
	pe := &memguard.PressureError{}
	err := fmt.Errorf("page 4: %w", pe)
	if Classify(err) != err || IsRetryable(err) {
		t.Errorf("Classify/IsRetryable touched a memguard error")
	}
	if got := ErrorText(err); got != pe.Error() {
		t.Errorf("ErrorText = %q, want %q", got, pe.Error())
	}
}
