package memguard_test

import (
	"errors"
	"testing"
	"testing/fstest"

	"github.com/kithhq/kith/memguard"
)

func TestCgroupLimit(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	tests := []struct {
		name    string
		fs      fstest.MapFS
		want    uint64
		noLimit bool
		err     bool
	}{
		{"v2 leaf", fstest.MapFS{
			"proc/self/cgroup":                   file("0::/kube/pod1\n"),
			"sys/fs/cgroup/kube/pod1/memory.max": file("1073741824\n"),
			"sys/fs/cgroup/kube/memory.max":      file("max\n"),
		}, 1 << 30, false, false},
		{"v2 parent is smaller", fstest.MapFS{
			"proc/self/cgroup":                   file("0::/kube/pod1\n"),
			"sys/fs/cgroup/kube/pod1/memory.max": file("max\n"),
			"sys/fs/cgroup/kube/memory.max":      file("536870912\n"),
		}, 1 << 29, false, false},
		{"v2 unlimited", fstest.MapFS{
			"proc/self/cgroup":         file("0::/\n"),
			"sys/fs/cgroup/memory.max": file("max\n"),
		}, 0, true, false},
		{"v2 garbage", fstest.MapFS{
			"proc/self/cgroup":         file("0::/\n"),
			"sys/fs/cgroup/memory.max": file("lots\n"),
		}, 0, false, true},
		{"v1", fstest.MapFS{
			"proc/self/cgroup":                           file("9:cpu:/\n4:memory:/docker/abc\n"),
			"sys/fs/cgroup/memory/memory.limit_in_bytes": file("268435456\n"),
		}, 1 << 28, false, false},
		{"v1 unlimited", fstest.MapFS{
			"proc/self/cgroup":                           file("4:memory:/\n"),
			"sys/fs/cgroup/memory/memory.limit_in_bytes": file("9223372036854771712\n"),
		}, 0, true, false},
		{"no cgroup file", fstest.MapFS{}, 0, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := memguard.CgroupLimit(tc.fs)
			switch {
			case tc.noLimit && !errors.Is(err, memguard.ErrNoLimit):
				t.Fatalf("err = %v, want ErrNoLimit", err)
			case tc.err && err == nil:
				t.Fatalf("got %d, want error", got)
			case !tc.err && !tc.noLimit && (err != nil || got != tc.want):
				t.Fatalf("got %d, %v; want %d", got, err, tc.want)
			}
		})
	}
}
