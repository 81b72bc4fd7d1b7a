package contacts

// CheckGoogleResourceName reports whether the Store accepts name as a
// Google resource name (Contact.GoogleResourceName, GoogleGroup.
// ResourceName, GooglePerson.Groups and PreviousResourceNames): not
// empty, valid UTF-8, no NUL byte or invisible bidi control, at most
// MaxGoogleLen characters. The error is a *FieldError (matching
// ErrInvalid) that does not quote the name. A sync uses it to leave out
// one item Google sent that the Store would refuse, rather than fail.
func CheckGoogleResourceName(name string) error {
	return checkGoogleName("google_resource_name", name)
}
