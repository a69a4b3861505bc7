package metrics

import (
	"sync"
	"testing"
)

func TestRecordFromManyGoroutines(t *testing.T) {
	recorder := FakeRecorder{counts: map[string]int{}}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			recorder.Record("request")
		}()
	}
	wg.Wait()

	if got := recorder.Count("request"); got != 8 {
		t.Fatalf("got %d, want 8", got)
	}
}
