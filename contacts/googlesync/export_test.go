package googlesync

import (
	"google.golang.org/api/people/v1"

	"github.com/kithhq/kith/contacts"
)

// MapPerson is mapPerson for the benchmark's naive sync.
func MapPerson(p *people.Person) contacts.Contact {
	m, _ := mapPerson(p)
	return m.Contact
}

// MapGooglePerson maps p as a sync page does.
func MapGooglePerson(p *people.Person) contacts.GooglePerson {
	m, _ := mapPerson(p)
	return contacts.GooglePerson{Contact: m.Contact, PreviousResourceNames: m.PreviousResourceNames, Groups: m.Groups}
}
