package backup

import (
	"fmt"
	"testing"
)

func TestCopyAllCopiesEveryFile(t *testing.T) {
	fake := NewFakeFS()
	var files []string
	for i := 0; i < 20; i++ {
		name := fmt.Sprintf("file%d.txt", i)
		files = append(files, name)
		if err := fake.WriteFile(name, []byte(name)); err != nil {
			t.Fatal(err)
		}
	}

	if err := CopyAll(fake, files, "backup"); err != nil {
		t.Fatal(err)
	}

	if got := fake.FileCount(); got != 40 {
		t.Fatalf("got %d files, want 40", got)
	}
	if !fake.DirExists("backup") {
		t.Fatal("backup folder was not created")
	}
}

func TestCopyAllReportsReadError(t *testing.T) {
	fake := NewFakeFS()
	fake.ReadFileFunc = func(name string) ([]byte, error) {
		return nil, fmt.Errorf("disk failure")
	}

	if err := CopyAll(fake, []string{"a", "b"}, "backup"); err == nil {
		t.Fatal("want an error")
	}
}
