package events

import (
	"strings"
	"sync"
)

// MockHandler records events and then calls OnEvent, which a test may set to look at the
// handler itself.
type MockHandler struct {
	mutex   sync.Mutex
	Events  []string
	OnEvent func(event string)
}

func (m *MockHandler) Handle(event string) {
	event = strings.TrimSpace(event)
	m.mutex.Lock()
	m.Events = append(m.Events, event)
	m.mutex.Unlock()
	if m.OnEvent != nil {
		m.OnEvent(event)
	}
}

func (m *MockHandler) Count() int {
	m.mutex.Lock()
	defer m.mutex.Unlock()
	return len(m.Events)
}
