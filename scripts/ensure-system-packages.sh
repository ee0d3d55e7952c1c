#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real (redis-server, prometheus,
# chromium + chromium-driver, espeak-ng for offline speech), only when their binaries are
# missing. Safe to run repeatedly.
set -euo pipefail

declare -A wanted=(
  [redis-server]=redis-server
  [prometheus]=prometheus
  [promtool]=prometheus
  [chromium]=chromium
  [chromedriver]=chromium-driver
  [espeak-ng]=espeak-ng
)
missing=()
for binary in "${!wanted[@]}"; do
  if ! command -v "$binary" >/dev/null 2>&1; then
    missing+=("${wanted[$binary]}")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
# shellcheck disable=SC2207
packages=($(printf '%s\n' "${missing[@]}" | sort -u))
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "error: missing ${packages[*]}; install them with apt-get as root" >&2
    exit 1
  fi
fi
echo "installing system packages: ${packages[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
