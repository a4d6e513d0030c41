package budget

import "testing"

func TestShareGiveBack(t *testing.T) {
	t.Parallel()
	waiting := func(held int) Peer { return Peer{Held: held, Waiting: true} }
	holding := func(held int) Peer { return Peer{Held: held} }
	tests := []struct {
		name  string
		share Share
		want  int
	}{
		{"alone: keeps everything, even unused", Share{N: 4, Held: 4, Spare: 3, Rotatable: 4}, 0},
		{"peers that only hold: nobody waits", Share{N: 4, Held: 2, Spare: 1, Rotatable: 2, Peers: []Peer{holding(2)}}, 0},
		{"holds nothing: nothing to give", Share{N: 1, Peers: []Peer{waiting(0)}}, 0},
		{"N=1, a waiter: the slot rotates after a term", Share{N: 1, Held: 1, Rotatable: 1, Peers: []Peer{waiting(0)}}, 1},
		{"N=1, a waiter, held less than a term: kept for now", Share{N: 1, Held: 1, Peers: []Peer{waiting(0)}}, 0},
		{"unused slots go to a waiter at once", Share{N: 4, Held: 3, Spare: 2, Peers: []Peer{waiting(0)}}, 2},
		{"beyond the fair share ceil(4/2)=2", Share{N: 4, Held: 4, Rotatable: 4, Peers: []Peer{waiting(0)}}, 2},
		{"beyond the fair share ceil(5/3)=2", Share{N: 5, Held: 4, Peers: []Peer{waiting(0), holding(1)}}, 2},
		{"at the fair share, the waiter has as many: kept", Share{N: 2, Held: 1, Rotatable: 1, Peers: []Peer{waiting(1)}}, 0},
		{"more processes than slots: each gets its turn", Share{N: 2, Held: 1, Rotatable: 1, Peers: []Peer{holding(1), waiting(0)}}, 1},
		{"ceil leaves one more: it rotates to the waiter with fewer", Share{N: 4, Held: 2, Rotatable: 2, Peers: []Peer{waiting(1), waiting(1)}}, 1},
		{"spare and excess: the larger", Share{N: 6, Held: 5, Spare: 1, Peers: []Peer{waiting(0), waiting(1)}}, 3},
		{"never more than held", Share{N: 2, Held: 1, Spare: 4, Peers: []Peer{waiting(0)}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.share.GiveBack(); got != tt.want {
				t.Fatalf("GiveBack(%+v) = %d, want %d", tt.share, got, tt.want)
			}
		})
	}
}
