// Package rawserve serves raw TCP on loopback, for tests that must answer
// below net/http's server: a proxy that refuses the tunnel, a connection
// closed before its answer, bytes no HTTP server would write.
package rawserve

import (
	"net"
	"testing"
)

// Serve listens on 127.0.0.1, hands every connection it accepts to handle
// in a goroutine of its own and closes the connection when handle
// returns, until the test ends, when the listener is closed. It returns
// the listener's address (host:port).
func Serve(t testing.TB, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				handle(conn)
			}()
		}
	}()
	return ln.Addr().String()
}
