#!/usr/bin/env bash
# Start the 立项通 desktop app from source on its embedded defaults.
# Extra arguments are passed to the app.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh

exec go run . "$@"
