package pgarray

import (
	"database/sql/driver"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Strings binds a []string as a Postgres text[] literal with every element
// quoted ({"a","b \"c\""}); nil and empty bind as the empty array, never
// NULL. Its Scan reads a text[] (or any array of text-like elements) in
// the text form both lib/pq ([]byte) and pgx's stdlib (string) hand over;
// NULL scans as nil, NULL elements as "".
type Strings []string

// Value implements driver.Valuer.
func (a Strings) Value() (driver.Value, error) {
	n := 2
	for _, s := range a {
		n += len(s) + 3
	}
	b := make([]byte, 0, n)
	b = append(b, '{')
	for i, s := range a {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		for j := 0; j < len(s); j++ {
			if s[j] == '"' || s[j] == '\\' {
				b = append(b, '\\')
			}
			b = append(b, s[j])
		}
		b = append(b, '"')
	}
	return string(append(b, '}')), nil
}

// Scan implements sql.Scanner.
func (a *Strings) Scan(src any) error {
	var text string
	switch v := src.(type) {
	case nil:
		*a = nil
		return nil
	case []byte:
		text = string(v)
	case string:
		text = v
	default:
		return fmt.Errorf("pgarray: cannot scan %T into []string", src)
	}
	out, err := parseText(text)
	if err != nil {
		return err
	}
	*a = out
	return nil
}

// parseText parses a one-dimensional array literal such as
// {a,"b c",NULL,"d\"e"}.
func parseText(s string) ([]string, error) {
	bad := func() ([]string, error) { return nil, fmt.Errorf("pgarray: malformed array %q", s) }
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return bad()
	}
	body := s[1 : len(s)-1]
	out := []string{}
	if body == "" {
		return out, nil
	}
	for i := 0; ; {
		var elem strings.Builder
		if i < len(body) && body[i] == '"' {
			i++
			for {
				if i >= len(body) {
					return bad()
				}
				c := body[i]
				if c == '"' {
					i++
					break
				}
				if c == '\\' {
					i++
					if i >= len(body) {
						return bad()
					}
					c = body[i]
				}
				elem.WriteByte(c)
				i++
			}
			out = append(out, elem.String())
		} else {
			j := strings.IndexByte(body[i:], ',')
			if j < 0 {
				j = len(body) - i
			}
			raw := body[i : i+j]
			if raw == "" || strings.ContainsAny(raw, `{}"\`) {
				return bad()
			}
			if raw == "NULL" {
				raw = ""
			}
			out = append(out, raw)
			i += j
		}
		if i == len(body) {
			return out, nil
		}
		if body[i] != ',' {
			return bad()
		}
		i++
		if i == len(body) {
			return bad()
		}
	}
}

// Int64s binds a []int64 as a Postgres bigint[] literal; nil and empty
// bind as the empty array.
type Int64s []int64

// Value implements driver.Valuer.
func (a Int64s) Value() (driver.Value, error) {
	b := make([]byte, 0, 2+len(a)*8)
	b = append(b, '{')
	for i, v := range a {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, v, 10)
	}
	return string(append(b, '}')), nil
}

// Float64s binds a []float64 as a Postgres float8[] literal, exactly
// (shortest representation that round-trips; NaN and ±Infinity in
// Postgres' spelling); nil and empty bind as the empty array.
type Float64s []float64

// Value implements driver.Valuer.
func (a Float64s) Value() (driver.Value, error) {
	b := make([]byte, 0, 2+len(a)*20)
	b = append(b, '{')
	for i, v := range a {
		if i > 0 {
			b = append(b, ',')
		}
		switch {
		case math.IsNaN(v):
			b = append(b, "NaN"...)
		case math.IsInf(v, 1):
			b = append(b, "Infinity"...)
		case math.IsInf(v, -1):
			b = append(b, "-Infinity"...)
		default:
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
		}
	}
	return string(append(b, '}')), nil
}
