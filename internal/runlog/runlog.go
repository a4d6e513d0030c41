// Package runlog carries what a log line of a run's work must say — its
// run_id and the remote's name — in the context, so that every line a
// worker, a handler or a coordinator's step writes with that context says
// which run and which remote it is about (issue #14), without threading a
// logger through every function: the process's handler (Handler) adds the
// context's attributes to each record that does not have them already.
package runlog

import (
	"context"
	"log/slog"
	"slices"
)

type key struct{}

// With returns ctx carrying attrs besides those it carries (a key given
// again replaces the earlier value).
func With(ctx context.Context, attrs ...slog.Attr) context.Context {
	have := Attrs(ctx)
	out := make([]slog.Attr, 0, len(have)+len(attrs))
	for _, a := range have {
		if !slices.ContainsFunc(attrs, func(b slog.Attr) bool { return b.Key == a.Key }) {
			out = append(out, a)
		}
	}
	return context.WithValue(ctx, key{}, append(out, attrs...))
}

// Run is With for the attributes of a run's work.
func Run(ctx context.Context, runID, remote string) context.Context {
	attrs := make([]slog.Attr, 0, 2)
	if runID != "" {
		attrs = append(attrs, slog.String("run_id", runID))
	}
	if remote != "" {
		attrs = append(attrs, slog.String("remote", remote))
	}
	return With(ctx, attrs...)
}

// Attrs are the attributes ctx carries.
func Attrs(ctx context.Context) []slog.Attr {
	if ctx == nil {
		return nil
	}
	a, _ := ctx.Value(key{}).([]slog.Attr)
	return a
}

// Handler wraps a process's handler so that each record gets the
// attributes its context carries, unless it has an attribute of that key.
func Handler(h slog.Handler) slog.Handler { return handler{h} }

type handler struct{ slog.Handler }

func (h handler) Handle(ctx context.Context, r slog.Record) error {
	if attrs := Attrs(ctx); len(attrs) > 0 {
		present := make(map[string]bool, r.NumAttrs())
		r.Attrs(func(a slog.Attr) bool {
			present[a.Key] = true
			return true
		})
		r = r.Clone()
		for _, a := range attrs {
			if !present[a.Key] {
				r.AddAttrs(a)
			}
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return handler{h.Handler.WithAttrs(attrs)}
}

func (h handler) WithGroup(name string) slog.Handler { return handler{h.Handler.WithGroup(name)} }
