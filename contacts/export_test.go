package contacts

// FindByEmailSQL exposes the statement FindByEmail runs, for plan tests.
func FindByEmailSQL(s *Store) string { return s.q.findByEmail }
