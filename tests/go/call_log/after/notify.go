package notify

import "sync"

// Notifier sends one message to a user.
type Notifier interface {
	Notify(user, message string) error
}

// Broadcast sends message to every user at once, one goroutine per user.
func Broadcast(n Notifier, users []string, message string) {
	var wg sync.WaitGroup
	for _, user := range users {
		wg.Add(1)
		go func(user string) {
			defer wg.Done()
			_ = n.Notify(user, message)
		}(user)
	}
	wg.Wait()
}
