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
	// LevelHard: Check refuses.
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
