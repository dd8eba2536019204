#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL: `scripts/with_postgres.sh pytest ...`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
eval "$(bash "$here/pg_up.sh")"
trap 'bash "$here/pg_down.sh"' EXIT
export DATABASE_URL="postgres://postgres@127.0.0.1:${PGPORT}/canlian"
"$@"
