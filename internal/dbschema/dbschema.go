// Package dbschema places kith's SQL in the Postgres schema a host chose.
//
// kith's SQL is written against the schema "kith" (kith.contacts,
// kith.groups, ...), which keeps every statement readable as it runs by
// default. A host that wants another schema gets the same text with each
// "kith." qualifier replaced by its own quoted name.
package dbschema

import (
	"errors"
	"fmt"
	"strings"
)

// Default is the schema kith's tables live in unless a host says otherwise.
const Default = "kith"

// ErrInvalid reports a schema name kith will not splice into SQL.
var ErrInvalid = errors.New("invalid schema name")

// Check reports whether name is a plain lower-case Postgres identifier:
// a letter or underscore, then letters, digits or underscores, at most 63
// bytes. Anything else is refused rather than quoted, since a schema name
// ends up in SQL text, not in a bind parameter.
func Check(name string) error {
	if name == "" || len(name) > 63 {
		return fmt.Errorf("%w %q: want 1 to 63 characters", ErrInvalid, name)
	}
	for i, r := range name {
		switch {
		case r == '_', r >= 'a' && r <= 'z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return fmt.Errorf("%w %q: want [a-z_][a-z0-9_]*", ErrInvalid, name)
		}
	}
	return nil
}

// Name returns schema, or Default when schema is empty, after checking it.
func Name(schema string) (string, error) {
	if schema == "" {
		return Default, nil
	}
	if err := Check(schema); err != nil {
		return "", err
	}
	return schema, nil
}

// Qualify rewrites the "kith." qualifiers of query for schema, which must
// have passed Check. It returns query itself for the default schema.
func Qualify(query, schema string) string {
	if schema == Default || schema == "" {
		return query
	}
	return strings.ReplaceAll(query, Default+".", `"`+schema+`".`)
}
