//go:build race

package main

// raceEnabled: the race detector's shadow memory is in RSS, so the RSS
// check is reported but not enforced.
const raceEnabled = true
