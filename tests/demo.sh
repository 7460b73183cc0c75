#!/bin/sh
# make demo: a live vmstat feed with the dashboard, and where to watch it.
set -eu
cd "$(dirname "$0")/.."

listen=${DEMO_LISTEN:-127.0.0.1:8080}
cat <<TXT
Serving \`vmstat 1\` as a live feed in room "vmstat" (Ctrl-C to stop).
Open the dashboard in a browser:
  http://$listen/#vmstat
or watch it with any of:
  ./ws-listen ws://$listen/vmstat
  curl -s http://$listen/vmstat        (the latest sample)
TXT
vmstat 1 | ./ws-broadcast --format table -r vmstat --dashboard -l "$listen"
