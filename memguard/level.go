package memguard

import "strconv"

// Level is a memory pressure level. Levels are ordered: a larger Level is
// more pressure, so max(a, b) combines two levels.
type Level int

const (
	// LevelNormal: no pressure; go ahead at full speed.
	LevelNormal Level = iota
	// LevelSoft: pressure; slow down (smaller batches, skip optional work).
	// Check still admits work.
	LevelSoft
	// LevelHard: Check refuses (except half-open probes).
	LevelHard
)

// String returns "normal", "soft", "hard" or "Level(n)".
func (l Level) String() string {
	switch l {
	case LevelNormal:
		return "normal"
	case LevelSoft:
		return "soft"
	case LevelHard:
		return "hard"
	}
	return "Level(" + strconv.Itoa(int(l)) + ")"
}

// State is the state of a [MemoryBreaker]'s state machine. It refines
// [Level]: [StateOpen] and [StateHalfOpen] are both [LevelHard].
type State int

const (
	// StateNormal admits everything; Level is LevelNormal.
	StateNormal State = iota
	// StateSoft admits everything; Level is LevelSoft.
	StateSoft
	// StateOpen refuses every Check; Level is LevelHard.
	StateOpen
	// StateHalfOpen admits one probe per cool-down and refuses the rest;
	// Level is LevelHard.
	StateHalfOpen
)

// Level returns the pressure level that the state reports.
func (s State) Level() Level {
	switch s {
	case StateNormal:
		return LevelNormal
	case StateSoft:
		return LevelSoft
	}
	return LevelHard
}

// String returns "normal", "soft", "open", "half-open" or "State(n)".
func (s State) String() string {
	switch s {
	case StateNormal:
		return "normal"
	case StateSoft:
		return "soft"
	case StateOpen:
		return "open"
	case StateHalfOpen:
		return "half-open"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}
