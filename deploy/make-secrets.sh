#!/usr/bin/env bash
# Writes the stack's secret files (once; existing files are kept): the JWT signing secret, the storage
# encryption key, the Postgres password and the DATABASE_URL that embeds it. docker-compose.yml reads them
# from deploy/secrets/ (or the directory given as the first argument).
set -euo pipefail

dir="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/secrets}"
mkdir -p "$dir"
# Only the owner may enter the directory. The files themselves are world-readable because `docker compose`
# (unlike swarm) bind-mounts them with their host permissions, and the containers run as other users.
chmod 700 "$dir"

random_hex() { head -c "$1" /dev/urandom | od -An -v -tx1 | tr -d ' \n'; }

write() {
  local file="$dir/$1"
  if [ -s "$file" ]; then
    echo "kept    $file" >&2
    return
  fi
  (umask 022 && printf '%s\n' "$2" >"$file.tmp" && mv "$file.tmp" "$file")
  echo "created $file" >&2
}

write jwt_secret "$(random_hex 32)"
write storage_key "$(random_hex 32)"
write postgres_password "$(random_hex 24)"
# The URL must carry the password the Postgres container was initialised with: always derive it from that file.
password="$(tr -d '\n' <"$dir/postgres_password")"
write database_url "postgres://artdag:${password}@postgres:5432/artdag"
