package main

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// errNoChromium: no headless browser to take the screenshot with.
var errNoChromium = errors.New("no chromium on PATH (Debian: apt-get install chromium)")

// chromium finds Debian's chromium (or a chromium-browser).
func chromium() (string, error) {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errNoChromium
}

// screenshotSize is the browser window the report is rendered in: wide
// enough for the 1100 px charts, tall enough for the tables and the three
// charts.
const screenshotWidth, screenshotHeight = 1200, 2000

// screenshot renders the HTML report in headless chromium, with no network
// (the report needs none), and writes a PNG.
func screenshot(ctx context.Context, htmlPath, pngPath string) error {
	bin, err := chromium()
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(htmlPath)
	if err != nil {
		return err
	}
	out, err := filepath.Abs(pngPath)
	if err != nil {
		return err
	}
	profile, err := os.MkdirTemp("", "loadtest-chromium-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(profile)
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
		"--no-first-run", "--disable-extensions", "--user-data-dir="+profile,
		"--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>", // no network: the report must not need it
		"--virtual-time-budget=5000",
		fmt.Sprintf("--window-size=%d,%d", screenshotWidth, screenshotHeight),
		"--screenshot="+out, "file://"+abs)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("chromium: %w\n%s", err, b)
	}
	return nil
}

// pngStats describes a screenshot: its size, how much of it is not
// (near) white, and how many distinct colours it has.
type pngStats struct {
	Width, Height int
	NonWhite      float64 // fraction of pixels
	Colors        int
	// Series counts the pixels of each chart series colour (within a
	// small distance, for anti-aliasing), by colour as "#rrggbb".
	Series map[string]int
}

// seriesColors are the colours the report's charts draw with.
var seriesColors = []string{"#1f77b4", "#2ca02c", "#9467bd", "#d62728", "#ff7f0e"}

func readPNGStats(path string) (pngStats, error) {
	f, err := os.Open(path)
	if err != nil {
		return pngStats{}, err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return pngStats{}, err
	}
	return imageStats(img), nil
}

func imageStats(img image.Image) pngStats {
	b := img.Bounds()
	s := pngStats{Width: b.Dx(), Height: b.Dy()}
	colors := map[uint32]bool{}
	nonWhite := 0
	s.Series = map[string]int{}
	var want [][3]int
	for _, c := range seriesColors {
		var r, g, b int
		fmt.Sscanf(c, "#%02x%02x%02x", &r, &g, &b)
		want = append(want, [3]int{r, g, b})
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			r8, g8, b8 := r>>8, g>>8, bl>>8
			if r8 < 240 || g8 < 240 || b8 < 240 {
				nonWhite++
			}
			for i, w := range want {
				if abs(int(r8)-w[0])+abs(int(g8)-w[1])+abs(int(b8)-w[2]) <= 24 {
					s.Series[seriesColors[i]]++
				}
			}
			if len(colors) < 100_000 {
				colors[r8<<16|g8<<8|b8] = true
			}
		}
	}
	s.Colors = len(colors)
	if n := s.Width * s.Height; n > 0 {
		s.NonWhite = float64(nonWhite) / float64(n)
	}
	return s
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
