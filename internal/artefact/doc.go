// Package artefact reads what users upload as a function's code: a raw
// WebAssembly module (application/wasm), a .tar.gz (application/gzip) or a
// .zip (application/zip), plus the optional berth.toml manifest at the root
// of an archive.
//
// Every archive is treated as hostile. Reading it enforces hard limits before
// anything is trusted: entry names are cleaned and refused when they are
// absolute, contain "..", a backslash or control characters; symbolic and
// hard links are refused (or, for container build contexts, refused when they
// lead outside the archive); device files, FIFOs and sparse files are
// refused; the number of entries, each file's size and the total
// uncompressed size are capped, and the cap is enforced on the bytes actually
// decompressed, never on sizes that headers claim.
//
// Every error this package returns for a bad upload wraps berth.ErrBadArtefact
// and reads as a sentence the user can act on. Any other error (an I/O error
// on the platform's own disk) is the platform's fault.
//
// This package never writes outside the directory given to Extract (it
// writes through an os.Root), never follows a link found in an archive, never
// executes anything and never logs: names and manifest values may carry
// secrets.
package artefact
