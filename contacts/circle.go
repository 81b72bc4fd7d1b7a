package contacts

import "fmt"

// Circle is a Dunbar layer: how close a contact is to the user. The layers
// nest, the inner ones small (about 5 intimate, 15 close, 50 friends, 150
// meaningful, 500 acquaintances). The zero value, CircleNone, means
// unassigned.
type Circle string

// The circles kith knows. Every other value is invalid.
const (
	CircleNone         Circle = ""
	CircleIntimate     Circle = "intimate"
	CircleClose        Circle = "close"
	CircleFriends      Circle = "friends"
	CircleMeaningful   Circle = "meaningful"
	CircleAcquaintance Circle = "acquaintance"
)

var circles = [...]Circle{CircleIntimate, CircleClose, CircleFriends, CircleMeaningful, CircleAcquaintance}

// Circles returns every valid circle except CircleNone, innermost first.
// The caller owns the returned slice.
func Circles() []Circle { return append([]Circle(nil), circles[:]...) }

// ParseCircle returns the Circle named s. The empty string parses to
// CircleNone; an unknown name is an error that wraps ErrInvalid.
func ParseCircle(s string) (Circle, error) {
	c := Circle(s)
	if !c.Valid() {
		return "", &FieldError{Field: "circle", Reason: fmt.Sprintf("unknown circle %q", s)}
	}
	return c, nil
}

// Valid reports whether c is CircleNone or one of the named circles.
func (c Circle) Valid() bool {
	switch c {
	case CircleNone, CircleIntimate, CircleClose, CircleFriends, CircleMeaningful, CircleAcquaintance:
		return true
	}
	return false
}

// Size is the approximate number of people the layer holds (5, 15, 50, 150
// or 500), and 0 for CircleNone and invalid values.
func (c Circle) Size() int {
	switch c {
	case CircleIntimate:
		return 5
	case CircleClose:
		return 15
	case CircleFriends:
		return 50
	case CircleMeaningful:
		return 150
	case CircleAcquaintance:
		return 500
	}
	return 0
}

// String returns the circle's name, or "none" for CircleNone.
func (c Circle) String() string {
	if c == CircleNone {
		return "none"
	}
	return string(c)
}
