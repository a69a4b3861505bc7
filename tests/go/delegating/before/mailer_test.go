package mailer

import (
	"sync"
	"testing"
)

// SpyMailer records the mails sent through it.
type SpyMailer struct {
	sent     map[string]int
	failures int
}

func NewSpyMailer() *SpyMailer {
	return &SpyMailer{sent: make(map[string]int)}
}

// Send delegates to SendTo with the default sender.
func (s *SpyMailer) Send(to string) error {
	return s.SendTo("noreply", to)
}

func (s *SpyMailer) SendTo(from, to string) error {
	if to == "" {
		s.failures++
		return errNoRecipient
	}
	s.sent[from+"->"+to]++
	return nil
}

func (s *SpyMailer) Count(from, to string) int {
	return s.sent[from+"->"+to]
}

func TestSendFromManyGoroutines(t *testing.T) {
	spy := NewSpyMailer()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				if err := spy.Send("ops@example.com"); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()

	if got := spy.Count("noreply", "ops@example.com"); got != 80 {
		t.Fatalf("got %d mails, want 80", got)
	}
}
