#!/bin/sh
# Rebuilds the test modules from their WebAssembly text. Needs wat2wasm
# (Debian package wabt). TestTestdataUpToDate checks the committed .wasm
# files match.
set -eu
cd "$(dirname "$0")"
for wat in *.wat; do
	wat2wasm -o "${wat%.wat}.wasm" "$wat"
done
printf 'not a WebAssembly module, just text\n' > not-a-module.wasm
