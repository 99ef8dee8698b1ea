#!/usr/bin/env bash
# Reproduces the README's "Results" section: every RL recipe on its defaults with seeds 1–3, the
# ablations, one PNG per recipe (reward and KL over steps, one line per seed) and the before/after
# summaries (mean ± standard error) in docs/results/. Shared warm starts and the CLIP reward model are
# trained first (runs/warm-starts, runs/reward-models). Two runs at a time, one BLAS thread each.
# Usage: scripts/recipe-evidence.sh [RUNS_DIR]   (default runs/evidence; an existing run is skipped)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/evidence}
mkdir -p "$out" docs/results
swift build -c release --product rlref >/dev/null
rlref=.build/release/rlref
export OPENBLAS_NUM_THREADS=1
# OpenBLAS picks its kernels by CPU, and their rounding differs (AVX-512 against AVX2 kernels); a warm
# start trained for 1,500 steps amplifies that into a different model. The README's numbers use the AVX2
# kernels ("Zen"), the same code on every x86-64 CPU that has AVX2, so that they reproduce on any of them.
if grep -qw avx2 /proc/cpuinfo 2>/dev/null; then export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Zen}; fi
start=$(date +%s)

# One job per line: run-name, then the rlref train arguments. Runs already finished are skipped.
run_jobs() {
  grep -v '^$' | while IFS='|' read -r name args; do
    if [ -f "$out/$name/evaluation.json" ]; then continue; fi
    rm -rf "${out:?}/$name"
    echo "$name|$args"
  done | xargs -P 2 -I{} bash -c 'line="{}"; name=${line%%|*}; args=${line#*|};
    echo "start $name: rlref train $args" >&2
    '"$rlref"' train $args --out '"$out"'/$name > '"$out"'/$name.log 2>&1 && tail -n 1 '"$out"'/$name.log >&2'
}

# Shared runs first (in parallel with each other, before any recipe needs them).
shared() {
  local folder=$1; shift
  [ -f "$folder/evaluation.json" ] && return 0
  rm -rf "$folder"
  "$rlref" train "$@" --seed 0 --out "$folder" > "$folder.log" 2>&1
  tail -n 1 "$folder.log" >&2
}
mkdir -p runs/warm-starts runs/reward-models
shared runs/reward-models/clip clip &
shared runs/warm-starts/gymcards-numberline sft --set task=gymcards-numberline --steps 1500 &
wait
shared runs/warm-starts/shapes-vqa sft --set task=shapes-vqa &
shared runs/warm-starts/shapes-captioning sft --set task=shapes-captioning &
wait
shared runs/warm-starts/gymcards-numberline-nocot sft --set task=gymcards-numberline --set cot=false --steps 1500 &
shared runs/warm-starts/gymcards-numberline-1000 sft --set task=gymcards-numberline &
wait

recipes="gymcards-ppo-cot vqa-ppo caption-ppo-kl vqa-grpo caption-vlrm"
for recipe in $recipes; do for seed in 1 2 3; do echo "$recipe-seed$seed|$recipe --seed $seed"; done; done | run_jobs

# Ablations (seed 1): the seeds' own questions.
run_jobs <<JOBS
ablation-cot-lambda-0|gymcards-ppo-cot --seed 1 --set thought_coef=0
ablation-cot-lambda-0.2|gymcards-ppo-cot --seed 1 --set thought_coef=0.2
ablation-cot-lambda-1|gymcards-ppo-cot --seed 1 --set thought_coef=1
ablation-cot-off|gymcards-ppo-cot --seed 1 --set cot=false
ablation-cot-warm-start-1000|gymcards-ppo-cot --seed 1 --set warm_start=runs/warm-starts/gymcards-numberline-1000/checkpoints/step-001000
ablation-cot-lr-5e-4|gymcards-ppo-cot --seed 3 --set learning_rate=5e-4
ablation-vqa-ppo-words|vqa-ppo --seed 1 --set similarity=words
ablation-grpo-seed-literal|vqa-grpo --seed 1 --set objective=seed-literal
ablation-kl-0|caption-ppo-kl --seed 1 --set kl_coef=0
ablation-vlrm-no-penalties|caption-vlrm --seed 1 --set bad_weight=0 --set repeat_weight=0
ablation-vlrm-retrieval|caption-vlrm --seed 1 --set ref_weight=0
JOBS

for recipe in $recipes; do
  seeds=("$out/$recipe-seed1" "$out/$recipe-seed2" "$out/$recipe-seed3")
  "$rlref" summarize "${seeds[@]}" > "docs/results/$recipe.txt"
  for metric in reward sampled_reward sampled_success_rate distinct_captions; do
    if grep -q "\"eval_$metric\"" "$out/$recipe-seed1/metrics.jsonl"; then
      "$rlref" summarize "${seeds[@]}" --metric "$metric" >> "docs/results/$recipe.txt"
    fi
  done
  "$rlref" plot "${seeds[@]}" --metric reward --smooth 10 --title "$recipe: training reward" --out "docs/results/$recipe-reward.png"
  for metric in kl grad_norm flat_groups; do
    if grep -q "\"$metric\"" "$out/$recipe-seed1/metrics.jsonl"; then
      "$rlref" plot "${seeds[@]}" --metric "$metric" --smooth 10 --title "$recipe: $metric" --out "docs/results/$recipe-$metric.png"
    fi
  done
done
for ablation in "$out"/ablation-*/; do
  name=$(basename "$ablation")
  case $name in *-seed[0-9]) continue ;; esac   # multi-seed ablations are summarised together below
  "$rlref" summarize "$ablation" > "docs/results/$name.txt"
  for metric in reward sampled_reward sampled_success_rate; do
    if grep -q "\"eval_$metric\"" "$ablation/metrics.jsonl"; then "$rlref" summarize "$ablation" --metric "$metric" >> "docs/results/$name.txt"; fi
  done
done
cot=("$out/gymcards-ppo-cot-seed1" "$out/gymcards-ppo-cot-seed2" "$out/gymcards-ppo-cot-seed3")
"$rlref" summarize "${cot[@]}" --metric fallback_rate >> docs/results/gymcards-ppo-cot.txt
"$rlref" plot "${cot[@]}" --metric eval_success_rate --title "NumberLine success (greedy)" \
  --out docs/results/gymcards-ppo-cot-success.png
"$rlref" plot "${cot[@]}" --metric eval_fallback_rate --title "NumberLine replies that do not parse" \
  --out docs/results/gymcards-ppo-cot-fallback.png
"$rlref" plot "$out/vqa-grpo-seed1" "$out/ablation-grpo-seed-literal" --metric grad_norm --smooth 10 \
  --title "vqa-grpo: gradient norm, clipped vs seed-literal" --out docs/results/vqa-grpo-objectives-grad_norm.png
"$rlref" plot "$out/caption-ppo-kl-seed1" "$out/ablation-kl-0" --metric kl --smooth 10 \
  --title "caption-ppo-kl: KL to the warm start, beta 0.2 vs 0" --out docs/results/caption-ppo-kl-kl-ablation.png
# How often VLRM's penalised words occur in the sampled captions, with and without the penalties:
# mean flagged tokens per caption over the first and the last 20 training steps.
window_means() {  # RUN METRIC: "first-20 mean, last-20 mean" of a training metric in RUN/metrics.jsonl
  grep -o "\"$2\": *[-0-9.e+]*" "$1/metrics.jsonl" | cut -d: -f2 |
    awk '{ v[NR] = $1 } END { n = 20; for (i = 1; i <= n; i++) { a += v[i]; b += v[NR - n + i] }
                              printf "%.3f → %.3f\n", a / n, b / n }'
}
{
  echo "run	bad_tokens (first 20 → last 20 steps)	repeat_tokens (first 20 → last 20 steps)"
  for run in caption-vlrm-seed1 ablation-vlrm-no-penalties ablation-vlrm-retrieval; do
    echo "$run	$(window_means "$out/$run" bad_tokens)	$(window_means "$out/$run" repeat_tokens)"
  done
} > docs/results/ablation-vlrm-penalty-counts.txt
for metric in bad_tokens repeat_tokens; do
  "$rlref" plot "$out/caption-vlrm-seed1" "$out/ablation-vlrm-no-penalties" --metric $metric --smooth 10 \
    --title "caption-vlrm: $metric, penalties on vs off" --out "docs/results/caption-vlrm-$metric-ablation.png"
done

# The other GymCards games: EZPoints and Blackjack with seeds 1–3, Points24 with seed 1, each from its
# shared 1,500-step warm start, and each from a 1,000-step warm start (seed 1) as the warm-start ablation.
for game in ezpoints blackjack points24; do
  shared "runs/warm-starts/gymcards-$game" sft --set task="gymcards-$game" --steps 1500 &
  shared "runs/warm-starts/gymcards-$game-1000" sft --set task="gymcards-$game" &
  wait
done
{
  for game in ezpoints blackjack; do for seed in 1 2 3; do
    echo "gymcards-$game-seed$seed|gymcards-ppo-cot --seed $seed --set task=$game"
  done; done
  echo "gymcards-points24-seed1|gymcards-ppo-cot --seed 1 --set task=points24"
  for game in ezpoints blackjack points24; do
    echo "ablation-$game-warm-start-1000|gymcards-ppo-cot --seed 1 --set task=$game --set warm_start=runs/warm-starts/gymcards-$game-1000/checkpoints/step-001000"
  done
  for seed in 1 2 3; do   # what keeps EZPoints' reply format: a smaller step, or a frozen vision tower
    echo "ablation-ezpoints-lr-1e-4-seed$seed|gymcards-ppo-cot --seed $seed --set task=ezpoints --set learning_rate=1e-4"
    echo "ablation-ezpoints-frozen-vision-seed$seed|gymcards-ppo-cot --seed $seed --set task=ezpoints --set train_vision=false"
  done
} | run_jobs
game_summary() {  # FILE RUN…: success, then return, sampled success and unparsable replies
  local file=$1; shift
  "$rlref" summarize "$@" > "$file"
  for metric in episode_return sampled_success_rate fallback_rate; do "$rlref" summarize "$@" --metric $metric >> "$file"; done
}
for game in ezpoints blackjack; do
  game_summary "docs/results/gymcards-$game.txt" "$out/gymcards-$game-seed1" "$out/gymcards-$game-seed2" "$out/gymcards-$game-seed3"
done
game_summary docs/results/gymcards-points24.txt "$out/gymcards-points24-seed1"
for game in ezpoints blackjack points24; do
  game_summary "docs/results/ablation-$game-warm-start-1000.txt" "$out/ablation-$game-warm-start-1000"
done
for variant in lr-1e-4 frozen-vision; do
  game_summary "docs/results/ablation-ezpoints-$variant.txt" "$out"/ablation-ezpoints-$variant-seed{1,2,3}
done
echo "done in $(( $(date +%s) - start )) s; summaries and plots in docs/results" >&2
