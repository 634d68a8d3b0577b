package sqlstore

import "strings"

// Dialect names the SQL engine behind a Store. It selects the placeholder
// syntax and the few engine-specific statements in dialectSQL.
type Dialect string

// Supported dialects.
const (
	// SQLite: placeholders are rewritten to ?N; transactions are serialised
	// by the single writer connection (BEGIN IMMEDIATE), so no row locks.
	SQLite Dialect = "sqlite"
	// Postgres: $N placeholders as written; transaction reads lock the
	// identity rows they return (SELECT ... FOR UPDATE).
	Postgres Dialect = "postgres"
)

// dialectSQL holds the statement fragments that differ between engines,
// spliced into the shared SQL where a {{name}} marker appears.
var dialectSQL = map[Dialect]map[string]string{
	SQLite: {
		// The writer connection already holds the database's write lock
		// for the whole transaction (BEGIN IMMEDIATE).
		"lockIdentity": "",
		// Likewise: no other writer runs while a pool is counted and
		// inserted, so the statement locks nothing.
		"lockPoolQuota": "SELECT 1",
	},
	Postgres: {
		// Lock the identity rows a transaction reads, so that concurrent
		// link/unlink/merge transactions on one identity serialise instead
		// of overwriting each other's decisions.
		"lockIdentity": " FOR UPDATE OF i",
		// Serialise quota-checked pool creations of one schema (one idpool
		// deployment) until commit; nothing else takes this lock.
		"lockPoolQuota": "SELECT pg_advisory_xact_lock(hashtext('idpool.pool-quota.' || current_schema()))",
	},
}

// prepareSQL returns query in the given dialect: {{name}} markers replaced
// from dialectSQL and, for SQLite, placeholders rewritten by rebind.
func prepareSQL(d Dialect, query string) string {
	for name, frag := range dialectSQL[d] {
		query = strings.ReplaceAll(query, "{{"+name+"}}", frag)
	}
	if d == SQLite {
		query = rebind(query)
	}
	return query
}

// rebind rewrites PostgreSQL placeholders ($1, $2, ...) to SQLite numbered
// parameters (?1, ?2, ...), which SQLite binds by number whatever their order
// of appearance. Text inside single-quoted strings, double-quoted
// identifiers and -- or /* */ comments is left untouched, and a '$' not
// followed by a digit is copied as is.
func rebind(query string) string {
	var b strings.Builder
	b.Grow(len(query))
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(query) {
				if query[j] == c {
					if j+1 < len(query) && query[j+1] == c { // doubled quote escapes itself
						j += 2
						continue
					}
					break
				}
				j++
			}
			end := min(j+1, len(query))
			b.WriteString(query[i:end])
			i = end - 1
		case c == '-' && i+1 < len(query) && query[i+1] == '-':
			j := strings.IndexByte(query[i:], '\n')
			if j < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+j+1])
			i += j
		case c == '/' && i+1 < len(query) && query[i+1] == '*':
			j := strings.Index(query[i+2:], "*/")
			if j < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			end := i + 2 + j + 2
			b.WriteString(query[i:end])
			i = end - 1
		case c == '$' && i+1 < len(query) && isDigit(query[i+1]):
			b.WriteByte('?')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
