package sim

// uniqKey names a natural key: a Unique field of a portal type.
type uniqKey struct{ typ, field string }

// uniqIndex returns value → object for a natural key, building it on first
// use (the generator and --data loads fill fields directly) and keeping it
// current from then on through setFields and remove. Without it every
// create would scan all objects of its type.
func (l *Lab) uniqIndex(t *PortalType, field string) map[string]*Object {
	k := uniqKey{t.Name, field}
	if m := l.uniq[k]; m != nil {
		return m
	}
	if l.uniq == nil {
		l.uniq = map[uniqKey]map[string]*Object{}
	}
	m := map[string]*Object{}
	for _, o := range l.byType[t.Name] {
		if v := scalarString(o.Fields[field]); v != "" {
			if _, dup := m[v]; !dup {
				m[v] = o
			}
		}
	}
	l.uniq[k] = m
	return m
}

// indexUnique records that o's field f changed from old to its current
// value.
func (l *Lab) indexUnique(o *Object, f *Field, old any) {
	if !f.Unique {
		return
	}
	m := l.uniqIndex(o.Type, f.Name)
	if ov := scalarString(old); ov != "" && m[ov] == o {
		delete(m, ov)
	}
	if nv := scalarString(o.Fields[f.Name]); nv != "" {
		if _, taken := m[nv]; !taken {
			m[nv] = o
		}
	}
}

// unindexUnique forgets a removed object's natural keys.
func (l *Lab) unindexUnique(o *Object) {
	for i := range o.Type.Fields {
		f := &o.Type.Fields[i]
		if !f.Unique {
			continue
		}
		m := l.uniqIndex(o.Type, f.Name)
		if v := scalarString(o.Fields[f.Name]); v != "" && m[v] == o {
			delete(m, v)
		}
	}
}
