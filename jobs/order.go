package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Defaults of the per-user order (see Config.OrderWait).
const (
	DefaultOrderWait   = 15 * time.Minute
	DefaultOrderSnooze = 5 * time.Second
)

// earlierKinds returns, for each configured per-user kind, the configured
// kinds of the pipelines that come before it: contacts sync, then
// calendar sync, then suggestions.
func earlierKinds(cfg Config) map[string][]string {
	var order []string
	if cfg.ContactsSync != nil {
		order = append(order, KindContactsSync)
	}
	if cfg.CalendarSync != nil {
		order = append(order, KindCalendarSync)
	}
	if cfg.Suggest != nil {
		order = append(order, KindSuggest)
	}
	m := map[string][]string{}
	for i, k := range order {
		m[k] = order[:i:i]
	}
	return m
}

// awaitEarlier snoozes job (returns river.JobSnooze(Config.OrderSnooze))
// while its user has a job of an earlier pipeline active, for at most
// Config.OrderWait after job was created. It returns nil when the job may
// run.
func (j *Jobs) awaitEarlier(ctx context.Context, job *rivertype.JobRow, user uuid.UUID) error {
	kinds := j.earlier[job.Kind]
	if j.cfg.OrderWait < 0 || len(kinds) == 0 || time.Since(job.CreatedAt) >= j.cfg.OrderWait {
		return nil
	}
	client, err := river.ClientFromContextSafely[*sql.Tx](ctx)
	if err != nil {
		return nil // a client of another driver: no order (see Config.OrderWait)
	}
	filter, err := json.Marshal(struct {
		UserID uuid.UUID `json:"user_id"`
	}{user})
	if err != nil {
		return fmt.Errorf("jobs: order: %w", err)
	}
	// args @> {"user_id": ...} is answered by River's GIN index on args.
	res, err := client.JobList(ctx, river.NewJobListParams().
		Kinds(kinds...).
		States(activeStates...).
		Where("args @> @user_filter::jsonb", river.NamedArgs{"user_filter": string(filter)}).
		First(1))
	if err != nil {
		return fmt.Errorf("jobs: order: jobs of user %s: %w", user, err)
	}
	if len(res.Jobs) == 0 {
		return nil
	}
	j.log.DebugContext(ctx, "jobs: an earlier pipeline of the user is active: snoozed", "kind", job.Kind,
		"user_id", user, "job_id", job.ID, "waits_for", res.Jobs[0].Kind, "snooze", j.cfg.OrderSnooze)
	return river.JobSnooze(j.cfg.OrderSnooze)
}
