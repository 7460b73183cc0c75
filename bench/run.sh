#!/bin/sh
# bench/run.sh [--quick]: the matrix that `make bench` runs.
#
# Every point (clients x lines/s, and idle clients for memory) runs against
# ws-broadcast, the Node ws peer, the Socket.IO peer and the C yardstick,
# the servers taking turns inside each repeat so that noise on the machine
# falls on all of them alike. The raw result lines go to a file under
# build/bench/; the tables printed at the end hold medians and ratios.
set -u
cd "$(dirname "$0")/.."

B=build/bench
quick=0
[ "${1:-}" = --quick ] && quick=1

if [ $quick = 1 ]; then
	points="1000:10000 1000:100"
	idle=10000
	reps=1
	dur=2s
	wait=3s
	listen_lines=200000
	fold="EVENTS=20000 RUNS=1"
else
	points="100:100 100:10000 1000:100 1000:10000 5000:100 5000:10000"
	idle=10000
	reps=3
	dur=5s
	wait=5s
	listen_lines=1000000
	fold=
fi

mkdir -p $B
out=$B/results-$(date +%Y%m%d-%H%M%S).txt
: > "$out"

have_node=0
if command -v node >/dev/null && [ -d bench/node_modules/ws ] &&
    [ -d bench/node_modules/socket.io ]; then
	have_node=1
else
	echo "bench: node or bench/node_modules missing:" \
	    "the ws and Socket.IO peers are skipped (npm ci --prefix bench)"
fi

# Set when a measurement failed: reported at the end, after the tables.
failed=0

# run NAME WSLOAD-ARGS...: one wsload run of one server, result to $out.
run() {
	name=$1
	shift
	case $name in
	ws-broadcast) set -- "$@" -- ./ws-broadcast -q -l 127.0.0.1:0 \
	    --drain 1m ;;
	yardstick) set -- "$@" -- $B/yardstick -q ;;
	ws) set -- "$@" -- node bench/peers/ws.js ;;
	socketio) set -- "$@" --sio -- node bench/peers/socketio.js ;;
	esac
	if ! $B/wsload -q --name "$name" "$@" >> "$out"; then
		echo "bench: $name $*: failed" >&2
		failed=1
	fi
}

servers="ws-broadcast yardstick"
[ $have_node = 1 ] && servers="$servers ws socketio"

echo "bench: results in $out"
r=1
while [ $r -le $reps ]; do
	for p in $points; do
		c=${p%%:*}
		rate=${p#*:}
		for s in $servers; do
			echo "bench: run $r/$reps: $s, $c clients x $rate/s"
			run $s -c "$c" -r "$rate" -d $dur --wait $wait
		done
	done
	for s in $servers; do
		echo "bench: run $r/$reps: $s, $idle idle clients"
		run $s -c $idle --idle --settle 1s
	done
	r=$((r + 1))
done

echo
awk -v runs=$reps -f bench/table.awk "$out"

# ws-listen: one client's messages per second into wc -l.
echo
echo "### ws-listen into wc -l"
echo
if [ ! -x ./ws-listen ]; then
	echo "skipped: ws-listen is not built in this tree yet"
else
	sh bench/listen.sh $listen_lines || failed=1
fi

# ws-snapshot --key against the same fold done by jq -c.
echo
echo "### ws-snapshot --key beside jq -c"
echo
if [ ! -x ./ws-snapshot ]; then
	echo "skipped: ws-snapshot is not built in this tree yet"
elif [ ! -f bench/snapshot-fold.sh ]; then
	echo "skipped: bench/snapshot-fold.sh is not in this tree yet"
else
	env $fold sh bench/snapshot-fold.sh || failed=1
fi

if [ $failed = 1 ]; then
	echo "bench: some measurements failed (see above)" >&2
	exit 1
fi
