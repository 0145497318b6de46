#!/usr/bin/env bash
# Installs the Debian packages Attend builds and runs against, if any is missing:
# oneDNN and OpenBLAS (matrix products; both opened at run time, oneDNN preferred), SQLite's
# library and headers (the training log) and the sqlite3 shell.
set -euo pipefail

packages=(libdnnl-dev libopenblas-dev libsqlite3-dev sqlite3)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  apt_get=(apt-get)
elif command -v sudo >/dev/null 2>&1; then
  apt_get=(sudo apt-get)
else
  echo "error: ${missing[*]} missing and not running as root; install them with apt-get" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${apt_get[@]}" update -qq
"${apt_get[@]}" install -y -qq "${missing[@]}"
