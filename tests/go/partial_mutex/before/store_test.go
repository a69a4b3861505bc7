package inventory

import (
	"sync"
	"testing"
)

func TestReserveFromManyGoroutines(t *testing.T) {
	store := NewMockStore()
	store.Add("apple", 100)
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 5; j++ {
				if err := store.Reserve("apple"); err != nil {
					t.Error(err)
				}
				_ = store.Count("apple")
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		store.Add("pear", 1)
	}()
	wg.Wait()
	store.Close()

	if got := store.Count("apple"); got != 50 {
		t.Fatalf("got %d apples, want 50", got)
	}
	if got := store.Reserved(); got != 50 {
		t.Fatalf("got %d reservations, want 50", got)
	}
}

func TestReserveWhileClosing(t *testing.T) {
	store := NewMockStore()
	store.Add("apple", 10)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		_ = store.Reserve("apple")
	}()
	go func() {
		defer wg.Done()
		store.Close()
	}()
	wg.Wait()
}
