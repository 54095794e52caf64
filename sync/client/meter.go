package client

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// meter counts what the engine puts on the wire: requests, and the bytes
// written to and read from its connections (headers and bodies as they
// travel, TLS included).
type meter struct {
	requests atomic.Int64
	sent     atomic.Int64
	received atomic.Int64
}

// usage is a reading of the meter.
type usage struct{ requests, sent, received int64 }

func (m *meter) read() usage {
	return usage{m.requests.Load(), m.sent.Load(), m.received.Load()}
}

func (u usage) since(before usage) usage {
	return usage{u.requests - before.requests, u.sent - before.sent, u.received - before.received}
}

// transport is the engine's HTTP transport: connections are counted and
// kept alive; answers that take longer than timeout to start fail.
func (m *meter) transport(timeout time.Duration) *http.Transport {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &countedConn{Conn: c, m: m}, nil
	}
	t.ResponseHeaderTimeout = timeout
	t.MaxIdleConnsPerHost = 4
	return t
}

// counting counts the requests that go through rt.
func (m *meter) counting(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		m.requests.Add(1)
		return rt.RoundTrip(r)
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type countedConn struct {
	net.Conn
	m *meter
}

func (c *countedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.m.received.Add(int64(n))
	return n, err
}

func (c *countedConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.m.sent.Add(int64(n))
	return n, err
}
