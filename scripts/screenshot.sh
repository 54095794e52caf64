#!/usr/bin/env bash
# Build the desktop app, run it on a virtual X display (Xvfb :99) in a
# zh_CN locale with a throw-away data dir holding the sample projects, and
# capture each main screen as a user sees it, driving the window with
# xdotool (clicks at fixed positions of the 1280×800 window).
#
#   bash scripts/screenshot.sh [OUT_DIR]     (default docs/screenshots)
#
# Writes projects.png, detail.png, registration.png, inbox.png,
# handover.png, initiation.png, initiation-permissions.png, conflicts.png,
# account.png, english.png, attention.png and attention-en.png (the
# needs-attention list, 需处理) (and home.png, the project list, for older
# links).
#
# Env: SCREENSHOT_WAIT seconds to wait after the window appears (default 3).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh

out=${1:-docs/screenshots}
display=:99
wait_after=${SCREENSHOT_WAIT:-3}

work=$(mktemp -d)
app_pid=
xvfb_pid=
stop_app() {
	if [[ -n $app_pid ]]; then
		kill "$app_pid" 2>/dev/null || true
		wait "$app_pid" 2>/dev/null || true
		app_pid=
	fi
}
cleanup() {
	stop_app
	if [[ -n $xvfb_pid ]]; then
		kill "$xvfb_pid" 2>/dev/null || true
		wait "$xvfb_pid" 2>/dev/null || true
	fi
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

# A fixed data path keeps the screenshots stable; the sample projects give
# the window something to show, and screenshot-projects.json adds a SaaS
# project waiting for its handover, with two sync conflicts.
data=/tmp/lixiang-screenshot-data
rm -rf "$data"
mkdir -p "$data"
for f in testdata/interchange/{local-initiated,saas-handed-over,upgrade-submitted,local-draft,saas-draft}.json \
	scripts/screenshot-projects.json; do
	LIXIANG_DATA="$data" "$work/lixiang" import "$f" --as admin >/dev/null
done
mkdir -p "$out"

# start LOGIN: run the app acting as LOGIN (a person of the demo directory).
start() {
	stop_app
	DISPLAY=$display LANG=zh_CN.UTF-8 TZ=Asia/Shanghai LIXIANG_DATA="$data" LIXIANG_AS="$1" \
		XDG_CONFIG_HOME="$work/config" "$work/lixiang" >>"$work/app.log" 2>&1 &
	app_pid=$!
	if ! timeout 30 env DISPLAY=$display xdotool search --sync --onlyvisible --name '立项通' >/dev/null; then
		echo "screenshot: the 立项通 window did not appear within 30 s; app log:" >&2
		cat "$work/app.log" >&2
		exit 1
	fi
	sleep "$wait_after"
}
click() {
	DISPLAY=$display xdotool mousemove "$1" "$2" click 1
	sleep "${3:-1}"
}
shot() {
	DISPLAY=$display xdotool mousemove 1279 799 # no hover highlight
	sleep 0.3
	DISPLAY=$display import -window root "$out/$1"
	echo "screenshot: wrote $out/$1"
}

# Navigation on the left (see ui/app.go), and the window's fixed places.
nav_projects=(60 120)
nav_inbox=(60 160)
nav_new=(60 200)
nav_conflicts=(60 240)
nav_account=(60 280)
search=(400 119)
first_row=(600 205)
action1=(183 182)   # the first action button of a project's detail
bar_attention=(414 774)    # 需处理 n in the sync bar (Chinese)
bar_attention_en=(502 774) # Refused n in the sync bar (English)

# 张伟 (销售): the list, a project, a new registration, conflicts, account.
start zhangwei
shot projects.png
cp "$out/projects.png" "$out/home.png"
click "${search[@]}"
DISPLAY=$display xdotool type --delay 80 "三一"
sleep 1
click "${first_row[@]}" 2
shot detail.png
click "${nav_new[@]}"
click 322 317 2 # 开始填写 on the 本地化项目 card
click 988 255   # 客户简称
DISPLAY=$display xdotool type --delay 80 "长沙水务"
sleep 1.5
click 1190 122  # 「n 个问题 · 查看」
shot registration.png
click "${nav_conflicts[@]}" 2
shot conflicts.png
click "${nav_account[@]}"
shot account.png

# 陈静 (商务审批员): her inbox.
start chenjing
click "${nav_inbox[@]}" 2
shot inbox.png

# 郑爽 (客户成功): the handover of the SaaS project she received.
start zhengshuang
click "${search[@]}"
DISPLAY=$display xdotool type --delay 80 "三一"
sleep 1
click "${first_row[@]}" 2
click "${action1[@]}" 2
shot handover.png

# 冯婷 (客户成功主管): the initiation of the handed-over SaaS project.
start fengting
click "${search[@]}"
DISPLAY=$display xdotool type --delay 80 "恒瑞"
sleep 1
click "${first_row[@]}" 2
click "${action1[@]}" 2
shot initiation.png
DISPLAY=$display xdotool mousemove 1268 400 click --repeat 60 --delay 30 5 # scroll (over the scroll bar) to the permission matrix
sleep 1
shot initiation-permissions.png

# The language switch (top right): English, saved for the next start.
start zhangwei
click 1210 27
click 1210 100 2
shot english.png

# 张伟's needs-attention list (需处理), after a sync in which the server
# refused his offline edit of an initiated project and his new draft
# (scripts/screenshot-attention records those answers in the data). The
# language saved above is English: that list first, then the Chinese one.
stop_app
LIXIANG_DATA="$data" go run ./scripts/screenshot-attention
start zhangwei
click "${bar_attention_en[@]}" 2
shot attention-en.png
stop_app
rm -rf "$work/config"
start zhangwei
click "${bar_attention[@]}" 2
shot attention.png

if [[ -s $work/app.log ]]; then
	echo "screenshot: app log:"
	grep -v 'locale C\|tag is not well-formed\|lang/locale.go' "$work/app.log" || true
fi
