package backup

import (
	"errors"
	"io/fs"
	"path"
	"strings"
)

// FakeFS keeps files in memory. Tests replace ReadFileFunc or WriteFileFunc to inject
// failures; NewFakeFS installs implementations that use the maps.
type FakeFS struct {
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
	return f.ReadFileFunc(name)
}

func (f *FakeFS) WriteFile(name string, data []byte) error {
	return f.WriteFileFunc(name, data)
}

func (f *FakeFS) Remove(name string) {
	delete(f.files, name)
}

func (f *FakeFS) DirExists(dir string) bool {
	return f.dirs[dir]
}

func (f *FakeFS) FileCount() int {
	return len(f.files)
}
