package notify

import "sync"

// MockNotifier records every message it is asked to send.
type MockNotifier struct {
	mutex sync.Mutex
	Calls []string
	sent  int
}

func (m *MockNotifier) Notify(user, message string) error {
	m.mutex.Lock()
	defer m.mutex.Unlock()
	m.Calls = append(m.Calls, user+": "+message)
	m.sent++
	return nil
}

func (m *MockNotifier) Sent() int {
	m.mutex.Lock()
	defer m.mutex.Unlock()
	return m.sent
}
