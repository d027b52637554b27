#!/bin/sh
# The image's entry point: maps a role (api, worker, all) or a maintenance command to the app; anything else
# runs as given (`docker compose run --rm api sh`). Node runs directly, not under npm, so SIGTERM reaches it.
set -eu
cd "$(dirname "$0")/.."

case "${1:-all}" in
  api | worker | all)
    exec node --import tsx src/main.ts "${1:-all}"
    ;;
  migrate)
    # Applies pending migrations and exits (the api also does this when it starts).
    exec node --import tsx src/cli/migrate.ts latest
    ;;
  keys)
    shift
    exec node --import tsx src/cli/keys.ts "$@"
    ;;
  *)
    exec "$@"
    ;;
esac
