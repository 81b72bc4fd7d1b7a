package jobs

import (
	"context"
	"runtime/pprof"

	"github.com/google/uuid"
)

// Profile labels. Every per-user job runs under runtime/pprof labels
// LabelPipeline (PipelineSuggest, PipelineContactsSync or
// PipelineCalendarSync) and LabelUser (the user's UUID), and the fan-out
// under LabelPipeline PipelineFanOut, so a CPU or heap profile of a worker
// process (net/http/pprof, `go tool pprof -tagfocus pipeline=suggest`,
// `-tags`) shows which pipeline and which user cost what. Goroutines a job
// starts inherit its labels. Labels carry only these names and the user
// ID: no name, address or token.
const (
	LabelPipeline = "pipeline"
	LabelUser     = "user"

	PipelineSuggest      = "suggest"
	PipelineContactsSync = "contacts_sync"
	PipelineCalendarSync = "calendar_sync"
	PipelineFanOut       = "fan_out"
)

// labelled runs f under the profile labels of pipeline and user (none for
// uuid.Nil).
func labelled(ctx context.Context, pipeline string, user uuid.UUID, f func(context.Context) error) error {
	labels := pprof.Labels(LabelPipeline, pipeline)
	if user != uuid.Nil {
		labels = pprof.Labels(LabelPipeline, pipeline, LabelUser, user.String())
	}
	var err error
	pprof.Do(ctx, labels, func(ctx context.Context) { err = f(ctx) })
	return err
}
