#!/usr/bin/env bash
# Set-up, build and the whole test suite (unit, conformance and end-to-end against the built binary).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
swift build --build-tests
swift test
