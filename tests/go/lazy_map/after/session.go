package session

import "sync"

// Cache stores session values.
type Cache interface {
	Set(key, value string) error
	Get(key string) (string, error)
}

// Touch stores each session and reads it back, one goroutine per session, and counts the
// sessions that could not be stored.
func Touch(cache Cache, sessions []string) int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := 0
	for _, id := range sessions {
		wg.Add(1)
		go func(id string) {
			defer wg.Done()
			err := cache.Set(id, "seen")
			if err == nil {
				_, err = cache.Get(id)
			}
			if err != nil {
				mu.Lock()
				failed++
				mu.Unlock()
			}
		}(id)
	}
	wg.Wait()
	return failed
}
