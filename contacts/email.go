package contacts

import (
	"fmt"
	"net/mail"
	"strings"

	"golang.org/x/net/idna"
)

// Bounds of an address's parts, in bytes (RFC 5321 §4.5.3.1).
const (
	maxLocalLen  = 64
	maxDomainLen = 255
)

// NormalizeEmail returns the form kith matches email addresses on: the
// address trimmed, its local part lower-cased, its domain in IDNA ASCII
// form (UTS #46 lookup rules, so "Ann@BÜCHER.example" and
// "ann@xn--bcher-kva.example" are one address) and lower-cased.
// Plus-addressing ("ann+news@") and dots in the local part are kept: they
// are different addresses for every provider but a few.
//
// The address must be bare ("ann@example.com", not "Ann <ann@...>"), at
// most MaxEmailLen characters, with a local part of at most 64 bytes and a
// domain of at most 255; otherwise the error is a *FieldError (errors.Is
// ErrInvalid). The store applies the same rule to Contact.Email and
// Contact.OtherEmails, and Store.FindByEmail to its argument, so a sync
// that matches attendees by address should too.
func NormalizeEmail(email string) (string, error) {
	return emailKey("email", strings.TrimSpace(email))
}

// emailKey validates a trimmed address and returns its normalized form,
// reporting errors against field.
func emailKey(field, email string) (string, error) {
	bad := func(why string) error {
		return &FieldError{Field: field, Reason: fmt.Sprintf("%q %s", email, why)}
	}
	if err := checkLine(field, email, MaxEmailLen); err != nil {
		return "", err
	}
	if email == "" {
		return "", bad("is empty")
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" {
		return "", bad("is not a bare email address")
	}
	at := strings.LastIndexByte(email, '@')
	local, domain := email[:at], email[at+1:]
	if len(local) > maxLocalLen {
		return "", bad(fmt.Sprintf("has a local part of %d bytes, more than %d", len(local), maxLocalLen))
	}
	ascii, err := idna.Lookup.ToASCII(domain)
	if err != nil {
		return "", bad("has an invalid domain")
	}
	if len(ascii) > maxDomainLen {
		return "", bad(fmt.Sprintf("has a domain of %d bytes, more than %d", len(ascii), maxDomainLen))
	}
	return strings.ToLower(local) + "@" + strings.ToLower(ascii), nil
}
