package events

import "strings"

// MockHandler records events and then calls OnEvent, which a test may set to look at the
// handler itself.
type MockHandler struct {
	Events  []string
	OnEvent func(event string)
}

func (m *MockHandler) Handle(event string) {
	event = strings.TrimSpace(event)
	m.Events = append(m.Events, event)
	if m.OnEvent != nil {
		m.OnEvent(event)
	}
}

func (m *MockHandler) Count() int {
	return len(m.Events)
}
