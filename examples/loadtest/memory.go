package main

import (
	"bufio"
	"bytes"
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kithhq/kith/memguard"
)

// memSample is one point of the memory chart.
type memSample struct {
	At    time.Duration // since the run started
	Heap  uint64        // live and unswept heap objects (HeapAlloc)
	Total uint64        // Go memory mapped and not released: what GOMEMLIMIT limits
	RSS   uint64        // resident set size of the process
	Level memguard.Level
	Done  [numPipelines]int // users finished per pipeline
}

// sampler records memSamples every interval until stopped. Reading
// runtime/metrics does not stop the world.
type sampler struct {
	start    time.Time
	interval time.Duration
	breaker  memguard.Breaker
	done     func() [numPipelines]int

	mu      sync.Mutex
	samples []memSample
	peak    memSample // field-wise maxima

	stop chan struct{}
	wg   sync.WaitGroup
	buf  []metrics.Sample
}

func startSampler(start time.Time, interval time.Duration, b memguard.Breaker, done func() [numPipelines]int) *sampler {
	s := &sampler{start: start, interval: interval, breaker: b, done: done, stop: make(chan struct{}),
		buf: []metrics.Sample{
			{Name: "/memory/classes/heap/objects:bytes"},
			{Name: "/memory/classes/total:bytes"},
			{Name: "/memory/classes/heap/released:bytes"},
		}}
	s.take()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				s.take()
			}
		}
	}()
	return s
}

// take reads one sample. Only the sampler's goroutine (and Stop, after
// it ended, and the constructor, before it started) calls it.
func (s *sampler) take() {
	metrics.Read(s.buf)
	smp := memSample{
		At:    time.Since(s.start),
		Heap:  s.buf[0].Value.Uint64(),
		Total: s.buf[1].Value.Uint64() - s.buf[2].Value.Uint64(),
		RSS:   currentRSS(),
		Level: s.breaker.Level(),
		Done:  s.done(),
	}
	s.mu.Lock()
	s.samples = append(s.samples, smp)
	s.peak.Heap = max(s.peak.Heap, smp.Heap)
	s.peak.Total = max(s.peak.Total, smp.Total)
	s.peak.RSS = max(s.peak.RSS, smp.RSS)
	s.peak.Level = max(s.peak.Level, smp.Level)
	s.mu.Unlock()
}

// Last returns the latest sample.
func (s *sampler) Last() memSample {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.samples[len(s.samples)-1]
}

// Stop takes a last sample and returns them all.
func (s *sampler) Stop() ([]memSample, memSample) {
	close(s.stop)
	s.wg.Wait()
	s.take()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.samples, s.peak
}

var pageSize = uint64(os.Getpagesize())

// currentRSS is the process's resident set size (/proc/self/statm), 0
// where there is no /proc.
func currentRSS() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.ParseUint(string(f[1]), 10, 64)
	return n * pageSize
}

// peakRSS is the kernel's high-water mark of the process's resident set
// (VmHWM), which sees peaks between samples; 0 where there is no /proc.
func peakRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			fs := strings.Fields(rest)
			if len(fs) >= 1 {
				n, _ := strconv.ParseUint(fs[0], 10, 64)
				return n << 10 // kB
			}
		}
	}
	return 0
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
