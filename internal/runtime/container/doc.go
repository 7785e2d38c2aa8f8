// Package container is berth's container runtime: it implements
// berth.Runtime by building each deployment into an OCI image and running
// it in containers through a Docker-compatible engine API on a Unix
// socket — Podman's `podman system service` (which the runtime can start
// privately, see Config.StartPodman) or Docker Engine.
//
// # Deployments
//
// A deployment's artefact is a build context (.tar.gz or .zip) with a
// Containerfile or Dockerfile at its root and an optional berth.toml whose
// [container] table sets mode ("http", the default, or "exec"), port (http
// mode; default the image's only EXPOSEd port, else 8080) and command
// (default the image's ENTRYPOINT and CMD). Prepare checks the archive
// (package artefact; links only inside it), checks the Containerfile
// against the build policy (containerfile.go: no RUN unless allowed, no
// ADD from the network, base images only from the engine), builds it
// under Config.BuildTimeout with the network off, tags the image
// berth-fn/<function>:<version> and keeps a record and the build log under
// Config.StateDir, so that a restart neither rebuilds nor loses the log
// (BuildLog, ImageID).
//
// # Instances
//
// An instance is a container of a deployment's image with no network, a
// read-only root, a small tmpfs /tmp, no capabilities, no-new-privileges,
// a pids limit, memory (Limits.MemoryMB, no swap) and CPU limits, explicit
// ulimits and labels naming its scope, function, version and instance.
// Its entrypoint is the watchdog (cmd/berth-watchdog, package watchdog),
// mounted read-only; berth talks to it over HTTP on a Unix socket in a
// per-instance directory that is bind-mounted into the container and made
// read-only once the socket exists. The watchdog runs the command per call
// (exec mode, WAGI/CGI like the wasm runtime) or fronts the command's own
// HTTP server (http mode), enforces the deadline and caps output and logs.
//
// # Life cycle
//
// The first call of a deployment starts an instance (a cold start,
// InvokeResponse.ColdStart); later calls reuse it. One instance serves up
// to Config.InstanceConcurrency calls at once; past that more instances
// start, up to Config.MaxInstances per function, and further calls wait
// for a slot (at most their own timeout). An instance idle for
// Config.IdleTimeout is stopped (scale to zero). A call of another version
// of the function, or Activate, drains the instances of the other
// versions: they take no new calls and stop when their last call ends;
// Remove does the same for its own version, then removes the image. An
// instance whose call timed out in http mode, whose server died or whose
// container stopped is replaced. In http mode the function's environment
// is given to the server when it starts (over the socket, never in the
// container's configuration): a call with another environment, or another
// memory limit, gets a new instance and the old ones drain. Reconcile,
// called at start-up, adopts the running containers of known deployments
// and removes everything else of the runtime's scope: nothing survives a
// kill -9 of berth unaccounted for.
//
// # Logs
//
// In exec mode a call's logs are its command's stderr. In http mode they
// are what the server wrote (stdout and stderr) since the previous call's
// answer: with several calls in flight on one instance, a line may be
// reported with a neighbouring call.
//
// # What it must never do
//
// The runtime never gives a container a network, a writable root, a
// capability or a host directory other than its own socket directory and
// the read-only watchdog; never puts a function's environment or secrets
// in a container's configuration, in labels or in logs; never logs
// request or response bodies or headers; never sends a build context that
// has not been checked whole; never touches containers or images outside
// its Config.Scope; and keeps no package-level state.
package container
