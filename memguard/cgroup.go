package memguard

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path"
	"strconv"
	"strings"
)

// CgroupLimit returns the memory limit of the cgroup the process runs in,
// read from fsys, a view of the root file system (pass os.DirFS("/")).
//
// For cgroup v2 it walks from the process's cgroup (in /proc/self/cgroup) up
// to the root of /sys/fs/cgroup and returns the smallest memory.max; for v1
// it reads memory.limit_in_bytes (or hierarchical_memory_limit) of the
// memory controller. It returns an error matching [ErrNoLimit] when no
// limit is set ("max", or v1's huge sentinel value), and other errors when
// the files cannot be read or parsed.
func CgroupLimit(fsys fs.FS) (uint64, error) {
	data, err := fs.ReadFile(fsys, "proc/self/cgroup")
	if err != nil {
		return 0, fmt.Errorf("memguard: cgroup: %w", err)
	}
	v2path, v1path, err := parseProcCgroup(data)
	if err != nil {
		return 0, err
	}
	if v2path != "" {
		lim, err := cgroupV2Limit(fsys, v2path)
		if err == nil || errors.Is(err, ErrNoLimit) {
			return lim, err
		}
		if v1path == "" {
			return 0, err
		}
	}
	if v1path != "" {
		return cgroupV1Limit(fsys, v1path)
	}
	return 0, fmt.Errorf("memguard: cgroup: no memory controller: %w", ErrNoLimit)
}

// parseProcCgroup returns the v2 path ("0::/path") and the v1 memory
// controller path ("N:...memory...:/path") from /proc/self/cgroup.
func parseProcCgroup(data []byte) (v2, v1 string, err error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[0] == "0" && parts[1] == "" {
			v2 = parts[2]
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			if c == "memory" {
				v1 = parts[2]
			}
		}
	}
	if v2 == "" && v1 == "" {
		return "", "", fmt.Errorf("memguard: cgroup: no cgroup entry found: %w", ErrNoLimit)
	}
	return v2, v1, nil
}

func cgroupV2Limit(fsys fs.FS, p string) (uint64, error) {
	p = path.Clean("/" + p)
	best := uint64(math.MaxUint64)
	found := false
	for {
		file := path.Join("sys/fs/cgroup", p, "memory.max")
		data, err := fs.ReadFile(fsys, file)
		if err == nil {
			found = true
			s := strings.TrimSpace(string(data))
			if s != "max" {
				n, err := strconv.ParseUint(s, 10, 64)
				if err != nil {
					return 0, fmt.Errorf("memguard: cgroup: parse %s: %w", file, err)
				}
				best = min(best, n)
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			return 0, fmt.Errorf("memguard: cgroup: %w", err)
		}
		if p == "/" {
			break
		}
		p = path.Dir(p)
	}
	if !found {
		return 0, fmt.Errorf("memguard: cgroup v2: memory.max not found: %w", fs.ErrNotExist)
	}
	if best == math.MaxUint64 {
		return 0, fmt.Errorf("memguard: cgroup v2: memory.max is max: %w", ErrNoLimit)
	}
	return best, nil
}

// v1NoLimit: cgroup v1 reports "no limit" as a page-aligned value near
// MaxInt64; anything at or above this is treated as unlimited.
const v1NoLimit = 1 << 62

func cgroupV1Limit(fsys fs.FS, p string) (uint64, error) {
	// In a container the process's path usually isn't mounted; the
	// controller's root is the container's cgroup. Try the path, then root.
	var lastErr error
	for _, dir := range []string{path.Join("sys/fs/cgroup/memory", path.Clean("/"+p)), "sys/fs/cgroup/memory"} {
		for _, name := range []string{"memory.limit_in_bytes", "memory.stat"} {
			data, err := fs.ReadFile(fsys, path.Join(dir, name))
			if err != nil {
				lastErr = err
				continue
			}
			var s string
			if name == "memory.stat" {
				s = statField(data, "hierarchical_memory_limit")
				if s == "" {
					continue
				}
			} else {
				s = strings.TrimSpace(string(data))
			}
			n, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("memguard: cgroup v1: parse %s: %w", name, err)
			}
			if n >= v1NoLimit {
				return 0, fmt.Errorf("memguard: cgroup v1: unlimited: %w", ErrNoLimit)
			}
			return n, nil
		}
	}
	return 0, fmt.Errorf("memguard: cgroup v1: %w", lastErr)
}

func statField(data []byte, key string) string {
	for line := range strings.SplitSeq(string(data), "\n") {
		k, v, ok := strings.Cut(line, " ")
		if ok && k == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
