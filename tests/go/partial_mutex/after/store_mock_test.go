package inventory

import (
	"errors"
	"sync"
)

// MockStore guards its counts with mu, but only some methods lock it.
type MockStore struct {
	mu       sync.Mutex
	counts   map[string]int
	reserved []string
	closed   bool
}

func NewMockStore() *MockStore {
	return &MockStore{counts: map[string]int{}}
}

func (m *MockStore) Add(item string, n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counts[item] += n
}

// Reserve checks that the store is open before it takes the lock.
func (m *MockStore) Reserve(item string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errors.New("store closed")
	}
	if m.counts[item] == 0 {
		return errors.New("out of stock: " + item)
	}
	m.counts[item]--
	m.reserved = append(m.reserved, item)
	return nil
}

func (m *MockStore) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
}

func (m *MockStore) Count(item string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.counts[item]
}

func (m *MockStore) Reserved() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.reserved)
}
