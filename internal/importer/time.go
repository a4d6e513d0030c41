package importer

import "time"

// timeZero is recorded as the destination copy's seen version until the
// update step reads it (issue #4).
var timeZero time.Time
