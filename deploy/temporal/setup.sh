#!/bin/sh
# One-shot job of the stack (image temporalio/admin-tools): creates Temporal's two databases in the stack's
# Postgres and brings their schema up to date, then registers the namespace L2 uses. Every step is idempotent,
# so the job runs again on each deploy and after a Temporal upgrade (update-schema applies the new versions).
set -eu

: "${SQL_HOST:=postgres}" "${SQL_PORT:=5432}" "${SQL_USER:=artdag}" "${TEMPORAL_ADDRESS:=temporal:7233}"
: "${TEMPORAL_NAMESPACE:=artdag}" "${TEMPORAL_RETENTION:=720h}"
SQL_PLUGIN=postgres12
SQL_PASSWORD="$(cat /run/secrets/postgres_password)"
export SQL_PLUGIN SQL_HOST SQL_PORT SQL_USER SQL_PASSWORD TEMPORAL_ADDRESS
schema=/etc/temporal/schema/postgresql/v12

until nc -z "$SQL_HOST" "$SQL_PORT"; do
  echo "waiting for Postgres at $SQL_HOST:$SQL_PORT..."
  sleep 2
done
for db in temporal temporal_visibility; do
  temporal-sql-tool --db "$db" create
done
temporal-sql-tool --db temporal setup-schema -v 0.0
temporal-sql-tool --db temporal update-schema -d "$schema/temporal/versioned"
temporal-sql-tool --db temporal_visibility setup-schema -v 0.0
temporal-sql-tool --db temporal_visibility update-schema -d "$schema/visibility/versioned"

# The server starts (or restarts until the schema exists) on its own; the namespace needs it running.
# The CLI is given the server's IPv4 address: with the bare service name it can pick an address that never answers.
host="${TEMPORAL_ADDRESS%:*}"
until ip="$(getent ahosts "$host" | awk '/STREAM/ && $1 ~ /^[0-9.]+$/ { print $1; exit }')" && [ -n "$ip" ]; do
  echo "waiting for $host to resolve..."
  sleep 2
done
TEMPORAL_ADDRESS="$ip:${TEMPORAL_ADDRESS##*:}"
until temporal operator cluster health 2>/dev/null | grep -q SERVING; do
  echo "waiting for the Temporal server at $TEMPORAL_ADDRESS..."
  sleep 2
done
if temporal operator namespace describe --namespace "$TEMPORAL_NAMESPACE" >/dev/null 2>&1; then
  echo "namespace $TEMPORAL_NAMESPACE exists"
else
  # Anchoring workflows wait on Bitcoin for days: keep closed workflows visible for 30 days.
  temporal operator namespace create --namespace "$TEMPORAL_NAMESPACE" --retention "$TEMPORAL_RETENTION"
fi
