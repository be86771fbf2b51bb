#!/usr/bin/env bash
# The spread of MPT's distilled prompt over distillation seeds (docs/results.md, "Why MPT varies"): one teachers stage
# of the quickstart preset, then per distillation seed a distillation from those teachers, the per-source dev accuracy
# of its selected and of its last prompt (mpt evaluate on the 64 source-dev rows the run selected on), and the MPT
# target runs of the quickstart (3 targets x seeds 1-3, with recorded test curves); at the end the distances between
# the distilled prompts (mpt report --prompt-spread) and a table (scripts/distill-spread-table.py).
#
#   scripts/distill-spread.sh OUT SEED...        e.g. scripts/distill-spread.sh runs/spread 20231 1 2 3 4
#
# Environment: MPT = the mpt command (default: dotnet run --project src/Mpt.Cli -c Release --no-build --);
# DISTILL_SET = extra --set arguments for the distillation and its target runs (a variation: e.g.
# "--set distill.shared_learning_rate=0.1"); STAGES = any of "teachers distill dev adapt report" (default all).
# 20231 is the quickstart's own distill.loop.seed, so that seed reproduces the published distilled prompt.
# Each stage skips what is finished, so the script can be rerun after an interruption.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: distill-spread.sh OUT SEED...}; shift
[ $# -ge 1 ] || { echo "give at least one distillation seed" >&2; exit 2; }
read -r -a mpt <<< "${MPT:-dotnet run --project $root/src/Mpt.Cli -c Release --no-build --}"
read -r -a extra <<< "${DISTILL_SET:-}"
stages=" ${STAGES:-teachers distill dev adapt report} "
data=${MPT_DATA:-$HOME/.cache/mpt/realdata}
sources=(word-polarity wn-supersense brown-genre sotu-era) # configs/quickstart.json's sources, in task-id order
mkdir -p "$out"
out=$(cd "$out" && pwd)
teachers=$out/teachers

if [[ $stages == *" teachers "* && ! -f $teachers/teachers/sotu-era/pipeline_settings.json ]]; then
  "${mpt[@]}" teachers --preset quickstart --run-dir "$teachers" -q --resume
fi
for s in "$@"; do
  run=$out/seed-$s
  common=(--preset quickstart --run-dir "$run" --set "distill.teachers_from=$teachers" --set "distill.loop.seed=$s" "${extra[@]}")
  if [[ $stages == *" distill "* && ! -f $run/distill/pipeline_settings.json ]]; then
    "${mpt[@]}" distill "${common[@]}" -q --resume
  fi
  if [[ $stages == *" dev "* ]]; then
    # distill/prompt.safetensors is the selected checkpoint, distill/checkpoint/prompt.safetensors the last step's prompt.
    for which in selected last; do
      prompt=$run/distill/prompt.safetensors
      [ $which = last ] && prompt=$run/distill/checkpoint/prompt.safetensors
      for k in "${!sources[@]}"; do
        t=${sources[$k]}
        file=$run/source-dev/$which.$t.json
        [ -f "$file" ] && continue
        mkdir -p "$run/source-dev"
        "${mpt[@]}" evaluate --model minilm --task "$t" --data "$data/$t" --split validation --max 64 --prompt "$prompt" \
          --task-id "$k" --no-task-prefix --max-source-length 40 --reproducible --out "$file" > /dev/null
      done
    done
  fi
  if [[ $stages == *" adapt "* ]]; then # --resume skips the finished target runs
    "${mpt[@]}" adapt "${common[@]}" --set 'adapt.methods=["mpt"]' --set adapt.record_test_curve=true -q --resume
  fi
done
if [[ $stages == *" report "* ]]; then
  runs=()
  for s in "$@"; do runs+=("$out/seed-$s"); done
  if [ ${#runs[@]} -ge 2 ]; then "${mpt[@]}" report "${runs[0]}" --prompt-spread "${runs[@]:1}"; fi
  python3 "$root/scripts/distill-spread-table.py" "${runs[@]}"
fi
