package backup

import (
	"errors"
	"io/fs"
	"path"
	"strings"
	"sync"
)

// FakeFS keeps files in memory. Tests replace ReadFileFunc or WriteFileFunc to inject
// failures; NewFakeFS installs implementations that use the maps.
type FakeFS struct {
	mutex sync.Mutex
	files map[string][]byte
	dirs  map[string]bool

	ReadFileFunc  func(name string) ([]byte, error)
	WriteFileFunc func(name string, data []byte) error
}

func NewFakeFS() *FakeFS {
	fake := &FakeFS{
		files: map[string][]byte{},
		dirs:  map[string]bool{},
	}
	fake.ReadFileFunc = func(name string) ([]byte, error) {
		data, ok := fake.files[name]
		if !ok {
			return nil, fs.ErrNotExist
		}
		return data, nil
	}
	fake.WriteFileFunc = func(name string, data []byte) error {
		if strings.HasSuffix(name, "/") {
			return errors.New("is a directory")
		}
		fake.files[name] = append([]byte(nil), data...)
		fake.dirs[path.Dir(name)] = true
		return nil
	}
	return fake
}

func (f *FakeFS) ReadFile(name string) ([]byte, error) {
	f.mutex.Lock()
	defer f.mutex.Unlock()
	return f.ReadFileFunc(name)
}

func (f *FakeFS) WriteFile(name string, data []byte) error {
	f.mutex.Lock()
	defer f.mutex.Unlock()
	return f.WriteFileFunc(name, data)
}

func (f *FakeFS) Remove(name string) {
	f.mutex.Lock()
	defer f.mutex.Unlock()
	delete(f.files, name)
}

func (f *FakeFS) DirExists(dir string) bool {
	f.mutex.Lock()
	defer f.mutex.Unlock()
	return f.dirs[dir]
}

func (f *FakeFS) FileCount() int {
	f.mutex.Lock()
	defer f.mutex.Unlock()
	return len(f.files)
}
