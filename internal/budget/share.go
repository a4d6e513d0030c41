package budget

// Share is what a process holding slots of a lab knows at a term (Term)
// when it asks who else uses the lab: its own slots, and its peers. Pure,
// so that the rule of fairness is tested by itself (share_test.go).
type Share struct {
	// N is the lab's number of slots (its max_concurrency).
	N int
	// Held are the slots this process holds; Spare those of them neither
	// in use nor wanted by a request waiting in this process; Rotatable
	// those it has held for at least a term.
	Held, Spare, Rotatable int
	// Peers are the other processes that hold a slot of the lab or wait
	// for one.
	Peers []Peer
}

// Peer is another process using a lab.
type Peer struct {
	Held    int
	Waiting bool
}

// GiveBack is how many of its slots a holder gives back now. Nothing while
// no other process waits: a slot is not taken from work that uses it for
// nobody. Once another waits, the holder gives back what it does not use,
// and keeps at most its fair share, ceil(N/active) where active counts
// this process and every peer; and when a waiter holds fewer slots than
// this process, one slot held for at least a term changes hands even
// within the fair share — with N=1 the slot rotates every term, and with
// more processes than slots each gets its turn.
func (s Share) GiveBack() int {
	least := -1 // the fewest slots a waiting peer holds
	for _, p := range s.Peers {
		if p.Waiting && (least < 0 || p.Held < least) {
			least = p.Held
		}
	}
	if least < 0 || s.Held <= 0 {
		return 0
	}
	active := 1 + len(s.Peers)
	fair := (s.N + active - 1) / active
	give := max(s.Spare, s.Held-fair, 0)
	if give == 0 && least < s.Held && s.Rotatable > 0 {
		give = 1
	}
	return min(give, s.Held)
}
