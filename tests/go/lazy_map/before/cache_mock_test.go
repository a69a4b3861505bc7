package session

import "errors"

var errClosed = errors.New("cache closed")

// StubCache stores values in a map that it creates on first use. Tests make it fail with
// FailWith.
type StubCache struct {
	values map[string]string
	err    error
	hits   int
}

func (s *StubCache) FailWith(err error) {
	s.err = err
}

func (s *StubCache) Set(key, value string) error {
	if s.err != nil {
		return s.err
	}
	if s.values == nil {
		s.values = make(map[string]string)
	}
	s.values[key] = value
	return nil
}

func (s *StubCache) Get(key string) (string, error) {
	if s.err != nil {
		return "", s.err
	}
	value, ok := s.values[key]
	if ok {
		s.hits++
	}
	return value, nil
}

func (s *StubCache) Hits() int { return s.hits }
