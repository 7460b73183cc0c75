#!/bin/sh
# bench/listen.sh LINES: how many messages per second one ws-listen writes
# into `wc -l`, fed by ws-broadcast from the producer at full speed; beside
# it, one wsload client on the same feed, the receiving end's ceiling.
set -u
cd "$(dirname "$0")/.."

n=${1:-1000000}
B=build/bench
tmp=$(mktemp -d)
bpid=
cleanup() {
	[ -n "$bpid" ] && kill "$bpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

now() {
	date +%s.%N
}

# ws-broadcast reads a FIFO that this shell holds open, so that the
# producer can start once ws-listen is connected.
mkfifo "$tmp/in"
./ws-broadcast -q -l 127.0.0.1:0 --drain 1m < "$tmp/in" 2> "$tmp/err" &
bpid=$!
exec 3> "$tmp/in"
i=0
until grep -q 'listening on' "$tmp/err"; do
	i=$((i + 1))
	if [ $i -gt 200 ]; then
		echo "listen: ws-broadcast did not start: $(cat "$tmp/err")"
		exit 1
	fi
	sleep 0.05
done
url=$(sed -n 's/.*listening on \(ws:[^ ]*\).*/\1/p' "$tmp/err" | head -1)
metrics="http://${url#ws://}_metrics"

timeout 300 ./ws-listen -q -n "$n" "$url" | wc -l > "$tmp/count" &
lpid=$!
i=0
until curl -s "$metrics" | grep -q '^wsfeed_clients 1$'; do
	i=$((i + 1))
	if [ $i -gt 200 ]; then
		echo "listen: ws-listen did not connect"
		exit 1
	fi
	sleep 0.05
done

t0=$(now)
$B/producer --saturate -n "$n" >&3
exec 3>&-
wait $lpid
t1=$(now)
got=$(cat "$tmp/count")
wait "$bpid"
bpid=

ref=$($B/wsload -q -c 1 --saturate -n "$n" --name one-client -- \
    ./ws-broadcast -q -l 127.0.0.1:0 --drain 1m |
    sed -n 's/.* dps=\([0-9]*\).*/\1/p')

echo "| receiver | lines | messages/s |"
echo "| --- | ---: | ---: |"
awk -v got="$got" -v t0="$t0" -v t1="$t1" -v n="$n" 'BEGIN {
	printf "| ws-listen \\| wc -l | %d of %d | %.0f |\n", got, n,
	    got / (t1 - t0)
}'
echo "| one wsload client (reference) | $n | ${ref:-–} |"
