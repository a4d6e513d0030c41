// Package crosscheck compares two SENAITE labs as a sceptical lab manager
// would after a migration: through senaite.jsonapi only, with nothing of
// senaite-sync's own machinery. It does not use the identity table, the
// schema, refs or verify packages, nor the senaite client: a bug in the
// product's translation code, or in its idea of what to compare, must not
// be able to hide itself here (issue #11, where verify said clean over a
// blank Laboratory, references left pointing into the source and
// renumbered samples).
//
// Read takes a Snapshot of every object of a lab over HTTP (read.go: the
// credentials checked first, every portal type /catalogs names paged
// through, and checked that nothing was missed). Compare matches the objects of
// two snapshots by content (match.go: structural objects by path, the rest
// by fingerprints of their values, iterated through the references matched
// so far) and reports every difference of matched pairs (compare.go): all
// keys senaite.jsonapi shows, with UIDs translated through the matches,
// except a short, explicit list of values that cannot be equal by nature
// (exclude.go), which are counted instead. Lists are compared in order,
// as SENAITE stores and shows them, except the few it computes from a
// query or back-references (exclude.go: unordered); a list that differs
// only in order is reported as such. report.go prints the result.
package crosscheck
