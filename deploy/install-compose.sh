#!/usr/bin/env bash
# Builds the Docker Compose CLI plugin from the Go module proxy into .tools/ once; later runs reuse it.
# Tests run `docker compose config` (and the standalone binary where no docker CLI is installed) to validate
# docker-compose.yml: that needs no Docker engine. `docker compose` finds the plugin through
# DOCKER_CONFIG=.tools/docker (see test/unit/compose.test.ts).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
bin="$tools/bin/docker-compose"
plugin="$tools/docker/cli-plugins/docker-compose"
build="$tools/compose-build"
# v5.6.0 is the newest release whose go.mod accepts this machine's Go (1.26.8); v5.7 asks for 1.26.10.
version="v5.6.0"
module="github.com/docker/compose/v5"

installed() { [ -x "$bin" ] && "$bin" version 2>/dev/null | grep -qF "${version#v}"; }
link() {
  mkdir -p "$(dirname "$plugin")"
  ln -sf ../../bin/docker-compose "$plugin"
}

if installed; then
  link
  exit 0
fi
command -v go >/dev/null || { echo "go is not installed; it is needed to build docker compose" >&2; exit 1; }
mkdir -p "$tools/bin" "$build"
# Two test runs starting at once must not build into the same directory; the second one waits and reuses.
exec 9>"$tools/compose-build.lock"
flock 9
if installed; then
  link
  exit 0
fi
cd "$build"

# `go install module@version` refuses modules whose go.mod has exclude/replace directives (compose's has an
# exclude), so build from a small module of our own that lists compose as a tool. Start afresh each time.
echo "Building docker compose $version into .tools/bin/docker-compose (once; about two minutes)..." >&2
rm -f go.mod go.sum
go mod init artdag/compose-build >/dev/null 2>&1
if ! go get -tool "$module/cmd@$version" >get.log 2>&1; then
  tail -n 30 get.log >&2
  exit 1
fi
go build -buildvcs=false -ldflags "-X $module/internal.Version=$version" -o "$bin" "$module/cmd"
link
"$bin" version >&2
