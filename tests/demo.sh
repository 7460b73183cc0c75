#!/bin/sh
# make demo: a live vmstat feed, and where to watch it.
set -eu
cd "$(dirname "$0")/.."

cat <<'TXT'
Serving `vmstat 1` as a live feed in room "vmstat" (Ctrl-C to stop).
Watch it with any of:
  ./ws-listen ws://127.0.0.1:8080/vmstat
  curl -s http://127.0.0.1:8080/vmstat        (the latest sample)
  a browser console: new WebSocket("ws://127.0.0.1:8080/vmstat")
      .onmessage = (e) => console.log(e.data)
TXT
vmstat 1 | ./ws-broadcast --format table -r vmstat -l "${DEMO_LISTEN:-127.0.0.1:8080}"
