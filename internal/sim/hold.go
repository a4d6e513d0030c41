package sim

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// heldResponse keeps a request's answer until the request has held its
// thread for the lab's latency: --latency is the whole time a request
// takes at the lab, the simulator's own work included. Sleeping the
// latency first and working after (as before) held a thread for the
// latency plus that work, so a saturated lab of CAP threads served fewer
// than the CAP/LAT requests a second it promises (README, "The lab
// simulator").
type heldResponse struct {
	w        http.ResponseWriter
	status   int
	body     bytes.Buffer
	hijacked bool
}

func (h *heldResponse) Header() http.Header { return h.w.Header() }

func (h *heldResponse) WriteHeader(status int) {
	if h.status == 0 {
		h.status = status
	}
}

func (h *heldResponse) Write(b []byte) (int, error) {
	if h.status == 0 {
		h.status = http.StatusOK
	}
	return h.body.Write(b)
}

// Hijack hands the connection over (a dropped-connection fault): nothing
// is held for it any more.
func (h *heldResponse) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := h.w.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("sim: the connection cannot be hijacked")
	}
	h.hijacked = true
	return hj.Hijack()
}

// until waits for the request's latency to be over (or its client gone).
func until(ctx context.Context, deadline time.Time) {
	d := time.Until(deadline)
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// flush sends what was held.
func (h *heldResponse) flush() {
	if h.hijacked || h.status == 0 {
		return
	}
	h.w.WriteHeader(h.status)
	_, _ = h.w.Write(h.body.Bytes())
}
