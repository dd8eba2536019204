#!/usr/bin/env bash
set -euo pipefail
RUN=(); [ "$(id -u)" = 0 ] && RUN=(runuser -u postgres --)
cd "$PGROOT"
"${RUN[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
cd / && rm -rf "$PGROOT"
