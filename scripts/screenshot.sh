#!/usr/bin/env bash
# Build the desktop app, run it on a virtual X display (Xvfb :99) in a
# zh_CN locale with a throw-away data dir, and capture the screen as the
# user would see it.
#
#   bash scripts/screenshot.sh [OUT.png]     (default docs/screenshots/home.png)
#
# Env: SCREENSHOT_WAIT seconds to wait after the window appears (default 3).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh

out=${1:-docs/screenshots/home.png}
display=:99
wait_after=${SCREENSHOT_WAIT:-3}

work=$(mktemp -d)
app_pid=
xvfb_pid=
cleanup() {
	local pid
	for pid in $app_pid $xvfb_pid; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$work" /tmp/lixiang-screenshot-data
}
trap cleanup EXIT

echo "screenshot: building"
go build -o "$work/lixiang" .

if DISPLAY=$display xdotool getdisplaygeometry >/dev/null 2>&1; then
	echo "screenshot: using the X server already on $display"
else
	echo "screenshot: starting Xvfb $display"
	Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
	xvfb_pid=$!
	for _ in $(seq 50); do
		DISPLAY=$display xdotool getdisplaygeometry >/dev/null 2>&1 && break
		sleep 0.1
	done
	DISPLAY=$display xdotool getdisplaygeometry >/dev/null 2>&1 || {
		echo "screenshot: Xvfb did not start:" >&2
		cat "$work/xvfb.log" >&2
		exit 1
	}
fi

# A fixed data path keeps the screenshot stable; the sample projects give
# the window something to show.
data=/tmp/lixiang-screenshot-data
rm -rf "$data"
mkdir -p "$data"
for f in local-initiated saas-handed-over upgrade-submitted local-draft saas-draft; do
	LIXIANG_DATA="$data" "$work/lixiang" import "testdata/interchange/$f.json" --as admin >/dev/null
done
DISPLAY=$display LANG=zh_CN.UTF-8 LIXIANG_DATA="$data" "$work/lixiang" >"$work/app.log" 2>&1 &
app_pid=$!

if ! timeout 30 env DISPLAY=$display xdotool search --sync --onlyvisible --name '立项通' >/dev/null; then
	echo "screenshot: the 立项通 window did not appear within 30 s; app log:" >&2
	cat "$work/app.log" >&2
	exit 1
fi
sleep "$wait_after"

mkdir -p "$(dirname "$out")"
DISPLAY=$display import -window root "$out"
echo "screenshot: wrote $out"
if [[ -s $work/app.log ]]; then
	echo "screenshot: app log:"
	cat "$work/app.log"
fi
