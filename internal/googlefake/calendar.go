package googlefake

import "time"

// calState is an account's calendar side.
type calState struct {
	anchor time.Time
}

func newCalState(a *Account, cfg AccountConfig, anchor time.Time) *calState {
	return &calState{anchor: anchor}
}
