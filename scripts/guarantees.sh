#!/usr/bin/env bash
# The long run of the reliability and security suites (README "Guarantees"):
# the fault simulation over many seeds, the kill tests with more rounds,
# the role × action × state table, bad tokens, secrets and bad input, and
# every fuzz target for a while. It prints each suite's figures (the lines
# starting GUARANTEE) and the reported bugs the suites still find (BUG).
#
#   bash scripts/guarantees.sh           # 15–25 minutes on 2 cores
#   bash scripts/guarantees.sh --quick   # the sizes `go test ./...` runs, with figures
#
# Sizes (environment):
#   SEEDS=1000     fault-simulation seeds (LIXIANG_SEEDS; CI runs 50)
#   STEPS=40       steps per seed (LIXIANG_STEPS)
#   KILLS=10       SIGKILL rounds of each desktop kill phase (LIXIANG_KILLS; CI runs 3)
#   FUZZTIME=60s   time per fuzz target (-fuzztime)
# A failing simulation seed is printed with its replay command:
#   LIXIANG_SEED=n go test ./sync/e2e -run TestConvergenceUnderFaults -v
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="/usr/local/go/bin:$PATH"

quick=0
[[ ${1:-} == --quick ]] && quick=1
if ((quick)); then
	: "${SEEDS:=50}" "${KILLS:=3}" "${FUZZTIME:=}"
fi
export LIXIANG_SEEDS=${SEEDS:-1000} LIXIANG_STEPS=${STEPS:-40} LIXIANG_KILLS=${KILLS:-10}
fuzztime=${FUZZTIME-60s}

log=$(mktemp)
trap 'rm -f "$log"' EXIT
failed=0
fuzzed=0
# run runs one command, keeps its output in the log and shows its outcome
# and figures.
run() {
	echo "=== $*"
	local out
	out=$(mktemp)
	if ! "$@" >"$out" 2>&1; then
		failed=1
		echo "FAILED: $*"
	fi
	grep -E '^\s*--- FAIL|^FAIL|^ok|^PASS|panic:|GUARANTEE|BUG [0-9]' "$out" || true
	if [[ $1 == go && " $* " == *" -fuzz "* ]]; then
		local n
		n=$(grep -oE 'execs: [0-9]+' "$out" | tail -1 | awk '{print $2}')
		fuzzed=$((fuzzed + ${n:-0}))
	fi
	cat "$out" >>"$log"
	rm -f "$out"
}

run go test -count=1 -timeout 3h -v -run 'TestConvergenceUnderFaults|TestARefusalSurvivesALostAnswer|TestARetriedRefusalIsSentAgain' ./sync/e2e
run go test -count=1 -timeout 30m -v -run 'TestDesktopKilledMidImportAndMidSyncLosesNothing|TestServerKilledMidPushLosesNothingAcknowledged' ./sync/e2e
run go test -count=1 -timeout 30m -v -run 'TestEveryRoleActionAndState|TestEveryRouteRefusesABadToken|TestTokensAndPasswordsStayOutOfLogsAndDatabases|TestLoginThrottlingHolds|TestBadRequestsAreRefusedAndChangeNothing|TestRuleBreakingContentIsRefusedWithItsReason' ./sync/server
run go test -count=1 -timeout 10m -v -run 'TestSyncOverTLS' ./cmd/lixiangd
run go test -count=1 -timeout 10m -v -run 'Fuzz' ./sync/server ./domain ./domain/sqlite

if [[ -n $fuzztime ]]; then
	before=$failed
	failed=0
	for target in FuzzPushRequest FuzzLoginRequest FuzzMissingRequest FuzzPullQuery FuzzAttachmentUpload; do
		run go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" ./sync/server
	done
	for target in FuzzDecodeDocument FuzzValidate; do
		run go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" ./domain
	done
	run go test -run '^$' -fuzz '^FuzzImportProjects$' -fuzztime "$fuzztime" ./domain/sqlite
	if ((!failed)); then
		echo "GUARANTEE fuzz: $fuzzed generated inputs over 8 targets ($fuzztime each) beyond the committed corpora, no failure" >>"$log"
	fi
	failed=$((failed || before))
fi

echo
echo "=== figures"
grep -hoE '(GUARANTEE|BUG [0-9]+ \(reported|killed the server [0-9]+ times).*' "$log" | sort -u
if ((failed)); then
	echo "guarantees.sh: FAILED (see above; a failing seed prints its LIXIANG_SEED)"
	exit 1
fi
echo "guarantees.sh: all suites passed"
