package session

import (
	"fmt"
	"sync"
	"testing"
)

func TestTouchStoresEverySession(t *testing.T) {
	stub := &StubCache{}
	var sessions []string
	for i := 0; i < 30; i++ {
		sessions = append(sessions, fmt.Sprintf("s%d", i))
	}

	if failed := Touch(stub, sessions); failed != 0 {
		t.Fatalf("%d sessions failed", failed)
	}
	if stub.Hits() != len(sessions) {
		t.Fatalf("got %d hits, want %d", stub.Hits(), len(sessions))
	}
}

func TestTouchWhileCacheCloses(t *testing.T) {
	stub := &StubCache{}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		stub.FailWith(errClosed)
	}()
	Touch(stub, []string{"a", "b", "c"})
	wg.Wait()

	if _, err := stub.Get("a"); err != errClosed {
		t.Fatalf("got %v, want %v", err, errClosed)
	}
}
