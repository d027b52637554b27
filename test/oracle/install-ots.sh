#!/usr/bin/env bash
# Installs the OpenTimestamps reference (python-opentimestamps + the `ots` client) into .tools/ once, for oracle tests.
# Pinned so the byte-for-byte comparisons in test/unit/ots-oracle*.test.ts always compare against the same code.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="$root/.tools/ots-venv"
lib_version="${OTS_LIB_VERSION:-0.4.5}"
client_version="${OTS_CLIENT_VERSION:-0.7.2}"

if [ -x "$venv/bin/ots" ] && "$venv/bin/ots" --version >/dev/null 2>&1; then
  exit 0
fi

echo "Installing opentimestamps==$lib_version and opentimestamps-client==$client_version into .tools/ots-venv (once)..." >&2
rm -rf "$venv"
mkdir -p "$root/.tools"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check \
  "opentimestamps==$lib_version" "opentimestamps-client==$client_version"
"$venv/bin/ots" --version >&2
