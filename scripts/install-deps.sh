#!/usr/bin/env bash
# Installs the Debian packages RLRef links against, if any is missing. Needs root (or sudo) only
# when something must be installed. The Swift toolchain itself is expected on PATH.
set -euo pipefail
packages=(libopenblas-dev liblapacke-dev libpng-dev pkg-config)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "swift is not on PATH (RLRef needs Swift 6.1 or newer)" >&2; exit 1; }
