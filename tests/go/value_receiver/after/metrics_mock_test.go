package metrics

// FakeRecorder counts events per name. Its methods take the recorder by value, which works
// for the map but would copy a mutex.
type FakeRecorder struct {
	counts map[string]int
}

func (f FakeRecorder) Record(name string) {
	f.counts[name]++
}

func (f FakeRecorder) Count(name string) int {
	return f.counts[name]
}
