package senaite

import "context"

// Urgent marks ctx's requests as an import's critical path — the create
// of an ID sequence's next object, which every later object of its
// sequence (and whatever waits for them: a report chain holds back the
// samples' replay) waits for. A Gate admits them before the others that
// wait with them: among a hundred replay chains a sequence's create
// waited its turn for a slot at every step, a fifth of each step.
func Urgent(ctx context.Context) context.Context {
	return context.WithValue(ctx, urgentKey{}, true)
}

// IsUrgent tells whether ctx's requests were marked Urgent.
func IsUrgent(ctx context.Context) bool {
	u, _ := ctx.Value(urgentKey{}).(bool)
	return u
}

type urgentKey struct{}
