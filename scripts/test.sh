#!/usr/bin/env bash
# Set-up, build and the whole test suite (unit, conformance and end-to-end against the built binary).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
# Formatting is part of the suite: the checked-in .swift-format, enforced.
swift format lint --configuration .swift-format --strict --recursive Sources Tests Package.swift
swift build --build-tests
swift test
