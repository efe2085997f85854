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
# The pre-commit framework, for the test that runs mlv's hooks through it, and MLflow's and
# Triton's Python clients, for the test that checks `mlv serve` against them (all kept in .build,
# out of git; scipy only because mlflow-skinny's ScoringServerClient.invoke fails without it).
# moto's S3 server (with boto3, which its fixture uses to set up users and buckets) is the real
# S3-compatible server the remote tests run against.
# Set MLV_TEST_PRE_COMMIT to use another pre-commit installation.
venv="$(dirname "$0")/../.build/test-venv"
pkgs=(mlflow-skinny pandas scipy "tritonclient[http]" "moto[server]" boto3)
[ -n "${MLV_TEST_PRE_COMMIT:-}" ] || pkgs+=(pre-commit)
if { [ -z "${MLV_TEST_PRE_COMMIT:-}" ] && [ ! -x "$venv/bin/pre-commit" ]; } ||
  ! "$venv/bin/python" -c 'import importlib.util as u, sys
sys.exit(any(u.find_spec(m) is None for m in ("mlflow", "pandas", "scipy", "tritonclient", "geventhttpclient", "moto.server", "boto3", "flask_cors")))' 2>/dev/null; then
  echo "setup: installing ${pkgs[*]} into .build/test-venv" >&2
  python3 -m venv "$venv" >/dev/null 2>&1 || {
    ver=$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get install -y -qq "python${ver}-venv" >/dev/null 2>&1 || $SUDO apt-get install -y -qq python3-venv >/dev/null
    rm -rf "$venv"
    python3 -m venv "$venv"
  }
  "$venv/bin/pip" install -q --disable-pip-version-check "${pkgs[@]}"
fi
