#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster for tests; prints `export ...` lines for eval (STACK.md §2).
set -euo pipefail
PGBIN=${PGBIN:-$(dirname "$(readlink -f "$(command -v initdb || echo /usr/lib/postgresql/15/bin/initdb)")")}
PGROOT=$(mktemp -d -t pgci.XXXXXX)
PGDATA=$PGROOT/data
PGPORT=${PGPORT:-$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')}
RUN=()
if [ "$(id -u)" = 0 ]; then            # postgres refuses to run as root
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  chown postgres "$PGROOT"
  RUN=(runuser -u postgres --)
fi
cd "$PGROOT"                           # avoid "could not change directory" when cwd is root-only
"${RUN[@]}" "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
  --no-sync --no-instructions >/dev/null
"${RUN[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGROOT/log" -w -t 30 start -o \
  "-p $PGPORT -k $PGROOT -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null
echo "export PGHOST=$PGROOT PGPORT=$PGPORT PGUSER=postgres PGDATA=$PGDATA PGROOT=$PGROOT PGBIN=$PGBIN"
