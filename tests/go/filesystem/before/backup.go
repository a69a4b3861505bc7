package backup

import (
	"fmt"
	"sync"
)

// FS is the part of a file system that Copy needs.
type FS interface {
	ReadFile(name string) ([]byte, error)
	WriteFile(name string, data []byte) error
}

// CopyAll copies each file to dir/file, all at once, and returns the first error.
func CopyAll(fsys FS, files []string, dir string) error {
	var wg sync.WaitGroup
	errs := make([]error, len(files))
	for i, name := range files {
		wg.Add(1)
		go func(i int, name string) {
			defer wg.Done()
			data, err := fsys.ReadFile(name)
			if err != nil {
				errs[i] = fmt.Errorf("read %s: %w", name, err)
				return
			}
			errs[i] = fsys.WriteFile(dir+"/"+name, data)
		}(i, name)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
