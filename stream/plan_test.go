package stream_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/seed"
	"github.com/kithhq/kith/kithtest"
	"github.com/kithhq/kith/stream"
)

// Every page statement of every order, first page and later pages of each
// part, is a range scan of its order's index as the planner chooses it on
// realistic data and statistics (seeded, VACUUM ANALYZE, no planner
// settings changed): never a sequential scan, a bitmap scan or a sort of
// the user's rows. Minimal pages are index-only scans that do not visit
// the heap.
func TestPlans(t *testing.T) {
	t.Parallel()
	db := kithtest.DB(t)
	ctx := context.Background()
	user, other := uuid.New(), uuid.New()
	if err := seed.Contacts(ctx, db, other, 5000, seed.Options{Seed: 7}); err != nil {
		t.Fatal(err)
	}
	if err := seed.Contacts(ctx, db, user, 20000, seed.Options{}); err != nil {
		t.Fatal(err)
	}
	settle(t, db)
	var vis string
	db.QueryRowContext(ctx, `SELECT relallvisible || '/' || relpages FROM pg_class WHERE relname = 'contacts'`).Scan(&vis)
	t.Logf("all-visible pages: %s", vis)
	var mid struct {
		ID        uuid.UUID
		Name      string
		Last      time.Time `db:"last_contact_date"`
		CreatedAt time.Time `db:"created_at"`
	}
	if err := db.GetContext(ctx, &mid, `SELECT id, name, last_contact_date, created_at FROM kith.contacts
		WHERE user_id = $1 AND last_contact_date IS NOT NULL ORDER BY id OFFSET 10000 LIMIT 1`, user); err != nil {
		t.Fatal(err)
	}
	index := map[contacts.Order]string{
		contacts.ByName:        "contacts_user_name_idx",
		contacts.ByLastContact: "contacts_user_last_contact_idx",
		contacts.ByCreatedAt:   "contacts_user_created_idx",
		contacts.ByID:          "contacts_pkey",
	}
	for _, c := range allOrders {
		for _, minimal := range []bool{true, false} {
			t.Run(fmt.Sprintf("%v/minimal=%v", c, minimal), func(t *testing.T) {
				tm := mid.Last
				if c.order == contacts.ByCreatedAt {
					tm = mid.CreatedAt
				}
				limit := stream.DefaultPageSize
				if !minimal {
					limit = stream.DefaultFullPageSize
				}
				for _, pq := range stream.PageQueries(user, minimal, mid.Name, tm, mid.ID, limit, c.opts()) {
					var raw []byte
					if err := db.QueryRowContext(ctx, `EXPLAIN (ANALYZE, FORMAT JSON) `+pq.Query, pq.Args...).Scan(&raw); err != nil {
						t.Fatalf("%s: %v", pq.Query, err)
					}
					var out []struct{ Plan planNode }
					if err := json.Unmarshal(raw, &out); err != nil {
						t.Fatal(err)
					}
					// Full pages take their keys from the same index-only
					// scan, then fetch each row by primary key.
					scan := checkPlan(t, pq.Query, &out[0].Plan)
					want := "Index Only Scan"
					dir := "Forward"
					if c.dir == contacts.Descending {
						dir = "Backward"
					}
					if scan == nil || scan.NodeType != want || scan.IndexName != index[c.order] || scan.ScanDirection != dir {
						t.Fatalf("%s\nwant a %s %s of %s, plan:\n%s", pq.Query, dir, want, index[c.order], raw)
					}
					if scan.HeapFetches > scan.ActualRows/10 {
						t.Errorf("%s: %v heap fetches for %v rows", pq.Query, scan.HeapFetches, scan.ActualRows)
					}
				}
			})
		}
	}
}

type planNode struct {
	NodeType      string     `json:"Node Type"`
	IndexName     string     `json:"Index Name"`
	ScanDirection string     `json:"Scan Direction"`
	ActualRows    float64    `json:"Actual Rows"`
	HeapFetches   float64    `json:"Heap Fetches"`
	Plans         []planNode `json:"Plans"`
	TotalCost     float64    `json:"Total Cost"`
	PlanRows      float64    `json:"Plan Rows"`
	IndexCond     string     `json:"Index Cond"`
	SortKey       []string   `json:"Sort Key"`
}

// checkPlan fails on any node that reads or sorts the user's whole set
// (sequential and bitmap scans, sorts) and returns the plan's first index
// scan in execution order: the one that walks the keyset.
func checkPlan(t *testing.T, query string, n *planNode) *planNode {
	t.Helper()
	var scan *planNode
	switch n.NodeType {
	case "Limit", "Nested Loop", "Subquery Scan":
	case "Index Scan", "Index Only Scan":
		scan = n
	default: // Seq Scan, Bitmap Heap Scan, Sort, Hash Join, ...
		t.Fatalf("%s: plan has a %s node: %s", query, n.NodeType, planShape(n))
	}
	for i := range n.Plans {
		if s := checkPlan(t, query, &n.Plans[i]); s != nil && scan == nil {
			scan = s
		}
	}
	return scan
}

// planShape prints a plan as nested node types and index names.
func planShape(n *planNode) string {
	s := n.NodeType
	if n.IndexName != "" {
		s += " using " + n.IndexName + " " + n.IndexCond
	}
	for i := range n.Plans {
		s += " <- (" + planShape(&n.Plans[i]) + ")"
	}
	return s
}
