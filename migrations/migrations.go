// Package migrations embeds the SQL migrations of senaite-sync's
// PostgreSQL schema, applied in order by internal/store under an advisory
// lock (tern's format: NNN_name.sql, "---- create above / drop below ----").
package migrations

import "embed"

// FS holds the migration files.
//
//go:embed *.sql
var FS embed.FS
