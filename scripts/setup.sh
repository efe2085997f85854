#!/usr/bin/env bash
# Installs what building and testing mlv needs on a fresh Debian machine. Idempotent and quiet.
set -euo pipefail

need=()
for pkg in libgit2-dev libssl-dev zlib1g-dev pkg-config git; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 || {
    $SUDO apt-get update -qq >/dev/null
    $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
  }
fi
command -v swift >/dev/null || { echo "error: swift is not on PATH" >&2; exit 1; }
command -v python3 >/dev/null || { echo "error: python3 is not on PATH" >&2; exit 1; }
