package googlesync_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"google.golang.org/api/people/v1"

	"github.com/kithhq/kith/contacts/googlesync"
	"github.com/kithhq/kith/internal/googlefake"
	"github.com/kithhq/kith/memguard"
)

// Every log line and every error text of full and incremental syncs,
// failures included, holds no name, email address, phone number or token.
func TestPrivacyOfLogsAndErrors(t *testing.T) {
	ctx := context.Background()
	var e *env
	e = newEnv(t, envOptions{people: 120, pageSize: 50, cfg: func(c *googlesync.Config) {
		c.Monitor = memguard.NewMonitor(memguard.MonitorConfig{Logger: c.Logger})
		c.Retry.Attempts = 2
	}})
	var texts []string
	run := func() {
		rep, err := e.syncer.Sync(ctx, e.user)
		if err != nil {
			texts = append(texts, err.Error())
			var ue *googlesync.UserError
			texts = append(texts, (&googlesync.UserError{UserID: e.user, Err: err}).Error())
			_ = errors.As(err, &ue)
		}
		_ = rep
		st, err := e.syncer.Status(ctx, e.user)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, st.LastError)
		if st.LastRun != nil {
			texts = append(texts, st.LastRun.Error)
		}
	}
	run() // full
	for i := range 30 {
		e.acct.Change(i, func(p *people.Person) {
			p.EmailAddresses = append(p.EmailAddresses, &people.EmailAddress{Value: "not an address " + p.ResourceName})
		})
	}
	e.acct.Delete(40)
	e.acct.Merge(41, 42)
	run() // incremental
	for _, f := range []googlefake.Fault{
		googlefake.Unavailable(), googlefake.BadGatewayHTML(), googlefake.Truncated(), googlefake.RateLimited(0),
		googlefake.RateLimited(time.Hour), googlefake.Forbidden403(), googlefake.Status(404), googlefake.Hangup(),
		googlefake.Raw(400, "application/json", `{"error":{"code":400,"message":"Ada Lovelace ada@example.com +44 20 7946 0018"}}`),
	} {
		e.acct.Change(0, nil)
		sc := e.srv.Script(googlefake.Rule{Account: e.user.String(), Endpoint: googlefake.Connections, Times: googlefake.Always, Fault: f})
		run()
		sc.Remove()
	}
	e.acct.ExpireTokens()
	run() // expired: full pass
	e.acct.Revoke()
	run()
	e.acct.Restore()

	logs := e.logs.String()
	if !strings.Contains(logs, "googlesync: synced") || !strings.Contains(logs, "googlesync: sync failed") || !strings.Contains(logs, "memguard: operation") {
		t.Fatalf("the logs miss what this test checks:\n%s", logs)
	}
	all := logs + "\n" + strings.Join(texts, "\n")
	var secrets []string
	for i := range e.acct.PeopleCount() {
		p := e.acct.Person(i)
		if p == nil {
			continue
		}
		for _, n := range p.Names {
			secrets = append(secrets, n.DisplayName, n.GivenName, n.FamilyName)
		}
		for _, m := range p.EmailAddresses {
			secrets = append(secrets, m.Value)
		}
		for _, ph := range p.PhoneNumbers {
			secrets = append(secrets, ph.Value, ph.CanonicalForm)
		}
	}
	secrets = append(secrets, e.acct.Token(), "Ada Lovelace", "ada@example.com", "7946 0018")
	for _, r := range e.srv.Requests(e.user.String(), "") {
		secrets = append(secrets, r.Query.Get("syncToken"), r.Query.Get("pageToken"))
	}
	checked := 0
	for _, s := range secrets {
		if len(s) < 5 { // short given names ("Ada") also occur in ordinary words
			continue
		}
		checked++
		if strings.Contains(all, s) {
			t.Errorf("logs or errors contain %q", s)
		}
	}
	if checked < 300 {
		t.Errorf("only %d values checked", checked)
	}
	t.Logf("%d log bytes and %d error texts checked against %d values", len(logs), len(texts), checked)
	if testing.Verbose() {
		t.Log(all)
	}
	_ = slog.LevelDebug
}
