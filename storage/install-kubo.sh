#!/usr/bin/env bash
# Builds Kubo (the `ipfs` daemon) from the Go module proxy into .tools/bin once; later runs reuse it.
# Tests run it offline on loopback as a real IPFS node.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
bin="$tools/bin/ipfs"
build="$tools/kubo-build"
version="v0.43.1"
module="github.com/ipfs/kubo"
# Kubo v0.43.1's go.mod replaces go-libp2p with a fork (github.com/lidel/go-libp2p) until "a go-libp2p
# release requires quic-go >= v0.62.0 and webtransport-go >= v0.13.0". Replace directives do not apply
# to dependencies, and the proxy does not serve the fork, so we take that release instead: v0.50.0.
# Without it the build fails with "undefined: webtransport.Dialer".
libp2p="github.com/libp2p/go-libp2p@v0.50.0"

installed() { [ -x "$bin" ] && "$bin" version 2>/dev/null | grep -qF "${version#v}"; }

installed && exit 0
command -v go >/dev/null || { echo "go is not installed; it is needed to build Kubo" >&2; exit 1; }
mkdir -p "$tools/bin" "$build"
# Two test runs starting at once must not build into the same directory; the second one waits and reuses.
exec 9>"$tools/kubo-build.lock"
flock 9
installed && exit 0
cd "$build"

# `go install kubo@version` refuses modules whose go.mod has exclude/replace directives, so build from
# a small module of our own that lists ipfs as a tool. Start it afresh so a failed run leaves no trace.
echo "Building Kubo $version into .tools/bin/ipfs (once; this takes a few minutes)..." >&2
rm -f go.mod go.sum
go mod init artdag/kubo-build 2>&1 | sed 's/^/  /' >&2
echo "  resolving $module@$version and $libp2p (go get's output: .tools/kubo-build/get.log)..." >&2
if ! go get -tool "$module/cmd/ipfs@$version" "$libp2p" >get.log 2>&1; then
  tail -n 30 get.log >&2
  exit 1
fi
echo "  compiling..." >&2
go build -o ../bin/ipfs "$module/cmd/ipfs"
"$bin" version >&2
