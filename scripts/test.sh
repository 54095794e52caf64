#!/usr/bin/env bash
# Check everything: formatting, vet, build (including the cgo desktop app)
# and every test. All steps run; a summary at the end says which failed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh

results=()
failed=0

step() {
	local name=$1
	shift
	echo
	echo "=== $name: $*"
	if "$@"; then
		results+=("PASS  $name")
	else
		results+=("FAIL  $name")
		failed=1
	fi
}

check_gofmt() {
	local files
	files=$(gofmt -l .)
	if [[ -n $files ]]; then
		echo "these files need gofmt -w:"
		echo "$files"
		return 1
	fi
}

step gofmt check_gofmt
step vet go vet ./...
step build go build ./...
# The fault simulation runs 200 seeds here (go test alone runs 50, -short
# 8; scripts/guarantees.sh the long run): hundreds of seeds in CI time.
export LIXIANG_SEEDS=${LIXIANG_SEEDS:-200}
step test go test -count=1 -timeout 15m ./...

echo
echo "=== summary"
printf '%s\n' "${results[@]}"
if ((failed)); then
	echo "test.sh: FAILED"
	exit 1
fi
echo "test.sh: all checks passed"
