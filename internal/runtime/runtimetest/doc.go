// Package runtimetest is the conformance suite every berth.Runtime passes
// (wasm now, containers later): the same requests, the same expectations,
// against the real runtime. A runtime supplies the fixtures (artefacts in
// its own format) that behave as Fixtures documents.
//
// The suite only reads the fixture files; it never writes outside the test's
// temporary directories and never talks to the network.
package runtimetest
