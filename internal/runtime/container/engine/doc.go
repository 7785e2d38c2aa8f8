// Package engine is a small typed client for the Docker-compatible REST API
// (API version 1.41) that Podman's `podman system service` and Docker
// Engine both serve on a Unix socket, plus a helper that runs a private
// `podman system service` for berth alone.
//
// It covers only what berth's container runtime needs: ping and version,
// image build, inspect, list and remove, and container create, start,
// inspect, list, logs and remove. Requests go to a Unix socket only; the
// package never speaks to the network, never pulls images itself, never
// logs request or response bodies (build contexts and environments may
// carry secrets) and keeps no package-level state.
package engine
