package client

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// A node that accepts connections but never answers (a SIGSTOPped pasteld)
// fails each call within the request timeout, with an error naming it.
func TestHungNodeTimesOut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var held []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c) // read nothing, answer nothing
		}
	}()
	node := "http://" + ln.Addr().String()
	c, err := NewWithTimeout(node, 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = c.Status(context.Background())
	if err == nil {
		t.Fatal("a node that never answers gave a status")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("the call took %s", d)
	}
	if !strings.Contains(err.Error(), node) || !strings.Contains(err.Error(), "did not answer within 300ms") {
		t.Fatalf("the error does not name the node and the deadline: %v", err)
	}
	if _, err := c.Query(context.Background(), "bank/supply", 0, false); err == nil || !strings.Contains(err.Error(), node) {
		t.Fatalf("query: %v", err)
	}
}
