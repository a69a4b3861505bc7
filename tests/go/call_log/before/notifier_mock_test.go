package notify

// MockNotifier records every message it is asked to send.
type MockNotifier struct {
	Calls []string
	sent  int
}

func (m *MockNotifier) Notify(user, message string) error {
	m.Calls = append(m.Calls, user+": "+message)
	m.sent++
	return nil
}

func (m *MockNotifier) Sent() int {
	return m.sent
}
