package googlefake

import "google.golang.org/api/people/v1"

// AppendConnections and GenPerson are exported for the external tests.
var (
	AppendConnections = appendConnections
	AppendEvents      = appendEvents
)

func (a *Account) GenPerson(i int, metadataPrev []string) *people.Person {
	p := a.personAt(i, nil, allPersonFields, false)
	p.Metadata.PreviousResourceNames = metadataPrev
	return p
}
