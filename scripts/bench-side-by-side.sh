#!/usr/bin/env bash
# The load bench on two schedulers in one run, scenario by scenario (the machine is shared and
# noisy: figures are compared only within one run). Usage:
#   bash scripts/bench-side-by-side.sh <checkout of the other scheduler> [scenario ...]
# Writes bench/results/baseline/ (the other checkout), bench/results/ (this one) and
# bench/results/headroom/ (priority with headroom shares), then `npm run bench:report`.
# The other checkout needs `agentsched dev --stats-port/--group-prefix` for DynamoDB call counts.
set -euo pipefail
cd "$(dirname "$0")/.."
other=${1:?usage: bench-side-by-side.sh <other checkout> [scenario ...]}
shift
scenarios=("${@:-overhead hol saturation priority throughput recovery long}")
mkdir -p bench/results/baseline bench/results/headroom
for s in ${scenarios[*]}; do
  echo "== $s: $other"
  npm run --silent bench -- load --scenario "$s" --scheduler-dir "$other" --out bench/results/baseline > /dev/null
  echo "== $s: this checkout"
  npm run --silent bench -- load --scenario "$s" --out bench/results > /dev/null
done
echo "== priority with headroom shares"
npm run --silent bench -- load --scenario priority --set 'capacity.priority_shares={"high":1,"medium":0.9,"low":0.75}' --out bench/results/headroom > /dev/null
npm run --silent bench:report
