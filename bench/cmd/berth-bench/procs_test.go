package main

import (
	"slices"
	"testing"
)

func TestCleanups(t *testing.T) {
	var cl cleanups
	var ran []string
	first := cl.add(func() { ran = append(ran, "first") })
	cl.add(func() { ran = append(ran, "second") })
	third := cl.add(func() { ran = append(ran, "third") })
	third() // its owner is done with it
	cl.runAll()
	first() // the owner's defer, after an early end
	cl.runAll()
	if want := []string{"third", "second", "first"}; !slices.Equal(ran, want) {
		t.Errorf("ran %v, want %v: each once, the latest first", ran, want)
	}
}
