package googlefake_test

import (
	"context"
	"fmt"
	"testing"

	"google.golang.org/api/calendar/v3"
	"google.golang.org/api/people/v1"

	"github.com/kithhq/kith/internal/googlefake"
	"github.com/kithhq/kith/internal/heappeak"
)

// BenchmarkFullPass serves whole accounts in pages of 1,000 through the real
// client, dropping each page, and reports people/s and the peak Go heap
// (server and client together). The heap must not grow with the account:
// compare peak-MiB at 10,000 and 100,000.
//
//	go test -run XXX -bench FullPass -benchtime 1x ./internal/googlefake/
func BenchmarkFullPass(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("people=%d", n), func(b *testing.B) {
			srv := newServer(b)
			a := srv.AddAccount("u", googlefake.AccountConfig{People: n})
			svc := peopleService(b, srv, a.TokenSource())
			var peak uint64
			for b.Loop() {
				got := 0
				s := heappeak.Start()
				err := svc.People.Connections.List("people/me").PersonFields(fields).PageSize(1000).RequestSyncToken(true).
					Pages(context.Background(), func(r *people.ListConnectionsResponse) error {
						got += len(r.Connections)
						return nil
					})
				peak = max(peak, s.Stop())
				if err != nil || got != n {
					b.Fatal(got, err)
				}
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "people/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
		})
	}
}

// BenchmarkEventsFullPass serves a primary calendar in pages of 2,500
// (singleEvents, showDeleted) through the real client and reports events/s
// and the peak Go heap; compare peak-MiB at 5,000 and 50,000.
//
//	go test -run XXX -bench EventsFullPass -benchtime 1x ./internal/googlefake/
func BenchmarkEventsFullPass(b *testing.B) {
	for _, n := range []int{5_000, 50_000} {
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			srv := newServer(b)
			a := srv.AddAccount("u", googlefake.AccountConfig{People: 20_000, Events: n})
			svc := calendarService(b, srv, a)
			var peak uint64
			for b.Loop() {
				got := 0
				s := heappeak.Start()
				err := svc.Events.List("primary").SingleEvents(true).ShowDeleted(true).MaxResults(2500).
					Pages(context.Background(), func(r *calendar.Events) error {
						got += len(r.Items)
						return nil
					})
				peak = max(peak, s.Stop())
				if err != nil || got != n {
					b.Fatal(got, err)
				}
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
		})
	}
}
