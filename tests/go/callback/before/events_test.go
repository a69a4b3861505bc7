package events

import (
	"sync"
	"testing"
)

func TestHandleCallsBackFromManyGoroutines(t *testing.T) {
	handler := &MockHandler{}
	var seen sync.Map
	handler.OnEvent = func(event string) {
		seen.Store(event, handler.Count())
	}
	var wg sync.WaitGroup
	for _, event := range []string{"a", "b", "c", "d", "e", "f"} {
		wg.Add(1)
		go func(event string) {
			defer wg.Done()
			handler.Handle(" " + event + " ")
		}(event)
	}
	wg.Wait()

	if got := handler.Count(); got != 6 {
		t.Fatalf("got %d events, want 6", got)
	}
	count := 0
	seen.Range(func(_, _ any) bool {
		count++
		return true
	})
	if count != 6 {
		t.Fatalf("OnEvent saw %d events, want 6", count)
	}
}
