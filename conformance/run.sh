#!/usr/bin/env bash
# Runs TRL's, verl's, OpenRLHF's (and, given their clones, RL4VLM's and CleanRL's) own code
# on the golden cases of their presets and writes conformance/CONFORMANCE.md.
# Usage: [RL4VLM_DIR=/path/to/RL4VLM] [CLEANRL_DIR=/path/to/cleanrl] conformance/run.sh [VENV_DIR [PPO_VENV_DIR]]
#   RL4VLM_DIR, CLEANRL_DIR: git clones of RL4VLM and CleanRL (neither is on PyPI at the pinned commits);
#   without them their presets are listed as not driven.
#   VENV_DIR (default conformance/.venv): TRL 1.16.0 (GRPO), verl, OpenRLHF and RL4VLM's drivers.
#   PPO_VENV_DIR (default conformance/.venv-trl-ppo): TRL 0.29.1, the release line with the PPO trainer.
# Needs python3.11 with venv, network access to PyPI the first time, and Swift for rlref.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
venv=${1:-$here/.venv}
ppo_venv=${2:-$here/.venv-trl-ppo}
start=$(date +%s)
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q -r "$here/requirements.txt"
"$venv/bin/pip" install -q --no-deps -r "$here/requirements-frameworks.txt"
[ -x "$ppo_venv/bin/python" ] || python3 -m venv "$ppo_venv"
"$ppo_venv/bin/pip" install -q -r "$here/requirements.txt"
"$ppo_venv/bin/pip" install -q -r "$here/requirements-trl-ppo.txt"
(cd "$root" && swift build --product rlref >/dev/null)
rlref="$root/.build/debug/rlref"
out="$here/results"
rm -rf "$out"
mkdir -p "$out"
frameworks="verl openrlhf trl trl_ppo"
[ -n "${RL4VLM_DIR:-}" ] && frameworks="$frameworks rl4vlm"
[ -n "${CLEANRL_DIR:-}" ] && frameworks="$frameworks cleanrl"
for fw in $frameworks; do
  python=$venv/bin/python
  [ "$fw" = trl_ppo ] && python=$ppo_venv/bin/python
  (cd "$here" && "$python" -W ignore "drive_$fw.py" "$out/$fw")
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
