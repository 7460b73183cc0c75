#!/bin/sh
# Throughput of ws-snapshot's keyed fold, beside jq doing the same fold.
#
# usage: bench/snapshot-fold.sh [WS_SNAPSHOT]
#
# EVENTS events (default 100000) from HOSTS hosts (default 50) are folded
# with --key .host, once writing the state on each change and once with
# --state-file --every 1s. Each run is timed RUNS times (default 3) and the
# fastest counts. Standard output goes to /dev/null, so the figures are the
# fold and its serialisation, not a disk or a terminal.
#
# Peers: jq -c with `foreach` writes the whole state after each event,
# exactly the lines ws-snapshot writes (the script checks that they are
# the same bytes), so it is the fair peer of the first run. jq's `reduce`
# writes only the final state, as ws-snapshot does when --every lets one
# line through per second, so it is the peer of the second. Both jq runs
# are single processes doing the fold in jq's own language.
#
# Prints a Markdown table; exits 1 if the outputs disagree.

set -eu

SNAP=${1:-./ws-snapshot}
EVENTS=${EVENTS:-100000}
HOSTS=${HOSTS:-50}
RUNS=${RUNS:-3}

FOREACH='foreach inputs as $e ({}; .[$e.host] = $e)'
REDUCE='reduce inputs as $e ({}; .[$e.host] = $e)'

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
# libjq reads $HOME/.jq: keep a user's file out of both sides.
HOME=$tmp
export HOME

awk -v n="$EVENTS" -v h="$HOSTS" 'BEGIN {
	srand(1)
	for (i = 0; i < n; i++)
		printf "{\"host\":\"web%02d\",\"seq\":%d,\"load\":%.2f," \
		    "\"mem\":%d,\"up\":true}\n", i % h, i, rand() * 4,
		    1000 + int(rand() * 63000)
}' > "$tmp/events"

# Best wall time of RUNS runs of "$@" < events > /dev/null, in seconds.
best() {
	b=
	r=0
	while [ "$r" -lt "$RUNS" ]; do
		rm -f "$tmp/state.json"
		t0=$(date +%s%N)
		"$@" < "$tmp/events" > /dev/null
		t1=$(date +%s%N)
		b=$(awk -v b="$b" -v d=$((t1 - t0)) \
		    'BEGIN { d /= 1e9; print (b == "" || d < b) ? d : b }')
		r=$((r + 1))
	done
	echo "$b"
}

rate() {
	awk -v n="$EVENTS" -v t="$1" 'BEGIN { printf "%d", n / t }'
}

# How many times faster the second time is than the first.
ratio() {
	awk -v peer="$1" -v ours="$2" 'BEGIN { printf "%.1f", peer / ours }'
}

# The outputs must agree before any figure means anything.
"$SNAP" --key .host < "$tmp/events" > "$tmp/snap.out"
jq -c -n "$FOREACH" < "$tmp/events" > "$tmp/jq.out"
if ! cmp -s "$tmp/snap.out" "$tmp/jq.out"; then
	echo "snapshot-fold: ws-snapshot and jq foreach disagree" >&2
	exit 1
fi
jq -c -n "$REDUCE" < "$tmp/events" > "$tmp/jq.final"
"$SNAP" --key .host --state-file "$tmp/state.json" --every 1s \
    < "$tmp/events" > /dev/null
if ! cmp -s "$tmp/state.json" "$tmp/jq.final"; then
	echo "snapshot-fold: the state file and jq reduce disagree" >&2
	exit 1
fi

t_snap=$(best "$SNAP" --key .host)
t_file=$(best "$SNAP" --key .host --state-file "$tmp/state.json" \
    --every 1s)
t_foreach=$(best jq -c -n "$FOREACH")
t_reduce=$(best jq -c -n "$REDUCE")

echo "ws-snapshot keyed fold: $EVENTS events, $HOSTS hosts," \
    "best of $RUNS, stdout to /dev/null"
echo
echo "| command | events/s | peer | vs peer |"
echo "| --- | ---: | --- | ---: |"
echo "| \`ws-snapshot --key .host\` (a line per change) |" \
    "$(rate "$t_snap") | jq foreach | $(ratio "$t_foreach" "$t_snap")x |"
echo "| \`ws-snapshot --key .host --state-file F --every 1s\` |" \
    "$(rate "$t_file") | jq reduce | $(ratio "$t_reduce" "$t_file")x |"
echo "| \`jq -c -n '$FOREACH'\` | $(rate "$t_foreach") | | |"
echo "| \`jq -c -n '$REDUCE'\` | $(rate "$t_reduce") | | |"
