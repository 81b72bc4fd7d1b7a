package googlesync_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"google.golang.org/api/people/v1"

	"github.com/kithhq/kith/contacts/googlesync"
	"github.com/kithhq/kith/memguard"
)

func TestFullThenIncremental(t *testing.T) {
	e := newEnv(t, envOptions{people: 250, pageSize: 100})
	ctx := context.Background()
	rep := e.sync(ctx)
	if rep.Kind != googlesync.Full || rep.Pages != 3 || rep.Seen != 250 || rep.Inserted != 250 || rep.TokenExpired {
		t.Fatalf("full pass: %+v", rep)
	}
	if rep.GroupsCreated != 3 {
		t.Errorf("groups created %d, want 3", rep.GroupsCreated)
	}

	// Nothing changed: one page, nothing written.
	rep = e.sync(ctx)
	if rep.Kind != googlesync.Incremental || rep.Pages != 1 || rep.Seen != 0 || rep.Inserted+rep.Updated != 0 {
		t.Fatalf("empty incremental: %+v", rep)
	}

	e.acct.Change(3, func(p *people.Person) { p.Names = []*people.Name{{DisplayName: "Renamed Person"}} })
	e.acct.Change(4, nil)
	e.acct.Delete(5)
	e.acct.Add(&people.Person{Names: []*people.Name{{DisplayName: "New Person"}}})
	rep = e.sync(ctx)
	if rep.Kind != googlesync.Incremental || rep.Seen != 4 || rep.Updated != 2 || rep.Inserted != 1 || rep.Archived != 1 {
		t.Fatalf("incremental: %+v", rep)
	}
	if !strings.Contains(e.state(), "|Renamed Person|") || !strings.Contains(e.state(), "|New Person|") {
		t.Error("changes not written")
	}
	if n := e.badRequests(); n != 0 {
		t.Errorf("%d requests answered 400", n)
	}

	// The incremental end state is the state a fresh full sync of the
	// same account writes (but for the archived contact, which a fresh
	// sync never saw).
	st, err := e.syncer.Status(ctx, e.user)
	if err != nil {
		t.Fatal(err)
	}
	if st.LastSuccessAt == nil || st.FailingSince != nil || st.LastRun == nil || st.LastRun.Counts["inserted"] != 1 || st.LastRun.Kind != googlesync.Incremental {
		t.Errorf("status %+v, last run %+v", st, st.LastRun)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	e := newEnv(t, envOptions{})
	ok := googlesync.Config{TokenSource: e.srv.TokenSourceFunc()}
	if _, err := googlesync.New(nil, ok); !errors.Is(err, googlesync.ErrInvalid) || !strings.Contains(err.Error(), "nil database handle") {
		t.Errorf("nil handle: %v", err)
	}
	conn, err := e.db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A *sql.Conn can begin transactions but cannot hand out a connection:
	// a sync needs a pool.
	if _, err := googlesync.New(conn, ok); !errors.Is(err, googlesync.ErrInvalid) || !strings.Contains(err.Error(), "Conn(ctx)") {
		t.Errorf("*sql.Conn: %v", err)
	}
	for name, tc := range map[string]struct {
		cfg  func(*googlesync.Config)
		want string
	}{
		"token source": {func(c *googlesync.Config) { c.TokenSource = nil }, "Config.TokenSource"},
		"page size":    {func(c *googlesync.Config) { c.PageSize = 1001 }, "Config.PageSize 1001: must be in [1, 1000]"},
		"page size <0": {func(c *googlesync.Config) { c.PageSize = -1 }, "Config.PageSize -1"},
		"policy":       {func(c *googlesync.Config) { c.OnDeleted = 7 }, "Config.OnDeleted"},
		"lock":         {func(c *googlesync.Config) { c.Lock = 3 }, "Config.Lock 3"},
		"retry":        {func(c *googlesync.Config) { c.Retry.Attempts = -1 }, "Config.Retry.Attempts -1"},
		"cache size":   {func(c *googlesync.Config) { c.CacheSize = -1 }, "Config.CacheSize -1"},
		"cache ttl":    {func(c *googlesync.Config) { c.CacheTTL = 48 * time.Hour }, "Config.CacheTTL 48h0m0s"},
		"schema":       {func(c *googlesync.Config) { c.Schema = "bad schema" }, "Config.Schema"},
		"breaker":      {func(c *googlesync.Config) { c.Breaker = (*memguard.MemoryBreaker)(nil) }, "Config.Breaker: typed nil"},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := ok
			tc.cfg(&cfg)
			_, err := googlesync.New(e.db, cfg)
			if !errors.Is(err, googlesync.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want ErrInvalid naming %q", err, tc.want)
			}
		})
	}
	if _, err := googlesync.New(e.db, ok); err != nil {
		t.Errorf("valid config refused: %v", err)
	}
	if _, err := e.syncer.Sync(context.Background(), uuid.Nil); !errors.Is(err, googlesync.ErrInvalid) {
		t.Errorf("uuid.Nil: %v", err)
	}
}
