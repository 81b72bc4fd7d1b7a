package kithtest_test

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/internal/pgtest"
	"github.com/kithhq/kith/kithtest"
)

func TestMain(m *testing.M) { kithtest.Main(m) }

func TestDBMigrated(t *testing.T) {
	t.Parallel()
	db := kithtest.DB(t)
	var v int
	if err := db.Get(&v, `SELECT max(version) FROM kith.schema_migrations`); err != nil {
		t.Fatal(err)
	}
	ms, err := kith.Migrations("")
	if err != nil {
		t.Fatal(err)
	}
	if v != len(ms) {
		t.Errorf("schema version %d, want %d (every migration)", v, len(ms))
	}
	if got := db.DriverName(); got != kithtest.Driver(t) {
		t.Errorf("driver %q, want %q", got, kithtest.Driver(t))
	}
}

func TestDBIsolated(t *testing.T) {
	t.Parallel()
	a, b := kithtest.DB(t), kithtest.DB(t)
	if _, err := a.Exec(`CREATE TABLE public.only_in_a (x int)`); err != nil {
		t.Fatal(err)
	}
	var reg *string
	if err := b.Get(&reg, `SELECT to_regclass('public.only_in_a')::text`); err != nil {
		t.Fatal(err)
	}
	if reg != nil {
		t.Error("a table created in one database is visible in another")
	}
	if kithtest.DSN(t, a) == kithtest.DSN(t, b) {
		t.Errorf("two databases share the DSN %s", kithtest.DSN(t, a))
	}
}

func TestEmptyDB(t *testing.T) {
	t.Parallel()
	db := kithtest.EmptyDB(t)
	var reg *string
	if err := db.Get(&reg, `SELECT to_regnamespace('kith')::text`); err != nil {
		t.Fatal(err)
	}
	if reg != nil {
		t.Error("EmptyDB has the kith schema")
	}
}

// TestDSN opens a second pool on a database through its DSN and sees the
// first pool's commits.
func TestDSN(t *testing.T) {
	t.Parallel()
	db := kithtest.DB(t)
	other, err := sqlx.Connect(kithtest.Driver(t), kithtest.DSN(t, db))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := db.Exec(`CREATE TABLE public.seen (x int); INSERT INTO public.seen VALUES (7)`); err != nil {
		t.Fatal(err)
	}
	var x int
	if err := other.Get(&x, `SELECT x FROM public.seen`); err != nil || x != 7 {
		t.Errorf("second pool read %d, %v; want 7", x, err)
	}
}

// TestBadDriver runs this test binary again with an unknown
// KITH_TEST_DRIVER: the test asking for a database fails, naming the
// variable, rather than quietly using a default.
func TestBadDriver(t *testing.T) {
	if os.Getenv("KITHTEST_CHILD") == "1" {
		kithtest.DB(t)
		return
	}
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^TestBadDriver$", "-test.count=1")
	cmd.Env = append(os.Environ(), "KITHTEST_CHILD=1", kithtest.EnvDriver+"=mysql")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), `kithtest: KITH_TEST_DRIVER="mysql"`) {
		t.Errorf("child output does not name the bad setting:\n%s", out)
	}
}

// kithtest spells the variable's name literally (so go doc shows it); it
// must be the name pgtest reads.
func TestEnvURLIsPgtests(t *testing.T) {
	if kithtest.EnvURL != pgtest.EnvURL {
		t.Fatalf("kithtest.EnvURL %q, pgtest reads %q", kithtest.EnvURL, pgtest.EnvURL)
	}
}
