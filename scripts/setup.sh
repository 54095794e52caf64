#!/usr/bin/env bash
# Make sure this machine can build and test 立项通.
#
# - Debian/Ubuntu packages: the C toolchain and X11/GL headers that Fyne's
#   GLFW driver needs (cgo), Xvfb/xauth/ImageMagick/xdotool for screenshots
#   and end-to-end checks, poppler-utils (pdftotext) for the PDF tests.
#   Installed only when missing; as root directly, otherwise with sudo.
# - The Go toolchain: /usr/local/go/bin is added to PATH when go is not found.
#
# Run it directly, or source it (run.sh and test.sh do) so the PATH fix
# carries over to the caller.
set -euo pipefail

lixiang_packages=(
	gcc libc6-dev pkg-config
	libgl-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev
	xvfb xauth imagemagick xdotool
	poppler-utils
)

lixiang_setup_packages() {
	if ! command -v dpkg >/dev/null 2>&1; then
		echo "setup: no dpkg here (not Debian/Ubuntu); make sure these or their equivalents are installed:" >&2
		echo "setup:   ${lixiang_packages[*]}" >&2
		return 0
	fi

	local missing=() p
	for p in "${lixiang_packages[@]}"; do
		# No pipe into grep -q here: with pipefail, grep quitting early makes
		# dpkg die of SIGPIPE and an installed package looks missing.
		if [[ $(dpkg -s "$p" 2>/dev/null) != *$'\nStatus: install ok installed\n'* ]]; then
			missing+=("$p")
		fi
	done
	if ((${#missing[@]} == 0)); then
		return 0
	fi

	local as_root=()
	if [[ $(id -u) -ne 0 ]]; then
		if ! command -v sudo >/dev/null 2>&1; then
			echo "setup: these packages are missing and I am not root and have no sudo:" >&2
			echo "setup:   ${missing[*]}" >&2
			echo "setup: install them as root: apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
			exit 1
		fi
		as_root=(sudo)
		# Without a terminal sudo cannot ask for a password: fail fast instead of hanging.
		[[ -t 0 ]] || as_root=(sudo -n)
	fi

	echo "setup: installing missing packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	if ! "${as_root[@]}" apt-get update -q ||
		! "${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"; then
		echo "setup: could not install: ${missing[*]}" >&2
		echo "setup: install them as root: apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
		exit 1
	fi
}

lixiang_setup_go() {
	if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
		export PATH="/usr/local/go/bin:$PATH"
	fi
	if ! command -v go >/dev/null 2>&1; then
		echo "setup: the Go toolchain is missing: no 'go' in PATH or /usr/local/go/bin." >&2
		echo "setup: install Go 1.26 or newer from https://go.dev/dl/ (go.mod needs go 1.26.0)." >&2
		exit 1
	fi
	# The Fyne desktop driver is cgo; make sure nothing turned it off.
	export CGO_ENABLED=1
	echo "setup: $(go version)"
}

lixiang_setup_packages
lixiang_setup_go
