#!/bin/sh
# Install the Debian packages that building and testing need, when run as
# root; otherwise print the one command that would. Used by make deps.
set -eu

pkgs="gcc make pkg-config libwebsockets-dev libjq-dev libssl-dev
python3 python3-pytest python3-websockets procps iproute2 sysstat
openssl curl perl mandoc chromium fonts-dejavu-core"

missing=""
for p in $pkgs; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
else
	echo "deps: missing packages; run as root:"
	echo "  apt-get install$missing"
	exit 1
fi
