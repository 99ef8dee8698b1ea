#!/usr/bin/env bash
# Runs TRL's, verl's, OpenRLHF's (and, with RL4VLM_DIR set to a git clone of RL4VLM, RL4VLM's) own functions
# on the golden cases of their presets and writes conformance/CONFORMANCE.md.
# Usage: [RL4VLM_DIR=/path/to/RL4VLM] conformance/run.sh [VENV_DIR]  (default VENV_DIR: conformance/.venv)
# Needs python3.11 with venv, network access to PyPI the first time, and Swift for rlref.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
venv=${1:-$here/.venv}
start=$(date +%s)
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q -r "$here/requirements.txt"
"$venv/bin/pip" install -q --no-deps -r "$here/requirements-frameworks.txt"
(cd "$root" && swift build --product rlref >/dev/null)
rlref="$root/.build/debug/rlref"
out="$here/results"
rm -rf "$out"
mkdir -p "$out"
frameworks="verl openrlhf trl"
[ -n "${RL4VLM_DIR:-}" ] && frameworks="$frameworks rl4vlm"
for fw in $frameworks; do
  (cd "$here" && "$venv/bin/python" -W ignore "drive_$fw.py" "$out/$fw")
  (cd "$out/$fw" && find . -name '*.json' ! -name outcome.json | sed 's|^\./||' | sort) | while read -r f; do
    for precision in float64 float32; do
      "$rlref" compare "$root/GoldenData/$f" "$out/$fw/$f" --allow-missing --only-provided-outputs \
        --precision "$precision" > "$out/$fw/${f%.json}.$precision.txt" 2>&1 || true
    done
  done
done
"$venv/bin/python" "$here/report.py" "$out" "$(( $(date +%s) - start ))" > "$here/CONFORMANCE.md"
grep -E '^\| total' "$here/CONFORMANCE.md" || true
echo "wrote $here/CONFORMANCE.md"
if grep -q 'not explained yet' "$here/CONFORMANCE.md"; then
  echo "a mismatch is not explained: fix the preset or explain the difference in conformance/report.py" >&2
  exit 1
fi
