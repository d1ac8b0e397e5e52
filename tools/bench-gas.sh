#!/usr/bin/env bash
# Prints the gas figures of contracts/snapshots/gas.json as `gas.<name>=<value>` lines, each followed
# by the same work done by the per-message baseline (BaselineInbox, measured in the same forge run)
# and the ratio of the two. Figures are whole-transaction gas (21,000 base and calldata included).
set -euo pipefail
file="${1:?usage: bench-gas.sh <snapshots/gas.json>}"
declare -A value
while IFS= read -r line; do
  if [[ "$line" =~ \"([^\"]+)\":\ \"([0-9]+)\" ]]; then
    value["${BASH_REMATCH[1]}"]="${BASH_REMATCH[2]}"
  fi
done < "$file"

# figure name → the most gas it may use (0: no target)
declare -A target=(
  [dispatch.32B]=65000
  [process.committee.3of5.single.32B]=87000
  [process.committee.13of19.single.32B]=0
  [process.committee.13of19.batch100.per_message.32B]=30000
  [lightclient.update.512]=500000
  [lightclient.update.512.two_non_signers]=500000
  [lightclient.accept_root]=250000
  [lightclient.accept_root.mainnet_depth]=250000
  [process.lightclient.batch100.per_message.32B]=0
  [optimistic.claim]=0
  [process.optimistic.batch100.per_message.32B]=0
  [process.committee.3of5.batch100.per_message.32B]=0
  [process.aggregation.committee3of5_and_optimistic.batch100.per_message.32B]=0
  [optimistic.prove_fraud]=0
  [staking.slash_equivocation]=0
)
figures=(
  dispatch.32B
  process.committee.3of5.single.32B
  process.committee.13of19.single.32B
  process.committee.13of19.batch100.per_message.32B
  lightclient.update.512
  lightclient.update.512.two_non_signers
  lightclient.accept_root
  lightclient.accept_root.mainnet_depth
  process.lightclient.batch100.per_message.32B
  optimistic.claim
  process.optimistic.batch100.per_message.32B
  process.committee.3of5.batch100.per_message.32B
  process.aggregation.committee3of5_and_optimistic.batch100.per_message.32B
  optimistic.prove_fraud
  staking.slash_equivocation
)
for name in "${figures[@]}"; do
  v="${value[$name]:-}"
  [[ -n "$v" ]] || { echo "bench-gas: no figure '$name' in $file" >&2; exit 1; }
  echo "gas.$name=$v"
  b="${value[baseline.$name]:-}"
  if [[ -n "$b" ]]; then
    echo "gas.$name.baseline=$b"
    awk -v v="$v" -v b="$b" -v n="$name" 'BEGIN { printf "gas.%s.ratio_vs_baseline=%.3f\n", n, v / b }'
  fi
  t="${target[$name]}"
  if [[ "$t" != 0 ]]; then
    echo "gas.$name.target_max=$t"
    if (( v <= t )); then echo "gas.$name.meets_target=true"; else echo "gas.$name.meets_target=false"; fi
  fi
done

# The light-client batch against the committee's: within 10% is the target.
lc="${value[process.lightclient.batch100.per_message.32B]}"
cm="${value[process.committee.13of19.batch100.per_message.32B]}"
awk -v l="$lc" -v c="$cm" 'BEGIN {
  r = l / c
  printf "gas.process.lightclient.batch100.per_message.32B.ratio_vs_committee=%.3f\n", r
  printf "gas.process.lightclient.batch100.per_message.32B.meets_target=%s\n", (r <= 1.10 ? "true" : "false")
}'

# The optimistic batch against the committee's: at or below it is the target.
op="${value[process.optimistic.batch100.per_message.32B]}"
awk -v o="$op" -v c="$cm" 'BEGIN {
  printf "gas.process.optimistic.batch100.per_message.32B.ratio_vs_committee=%.3f\n", o / c
  printf "gas.process.optimistic.batch100.per_message.32B.meets_target=%s\n", (o <= c ? "true" : "false")
}'

# "Committee AND optimistic" against the committee alone (the same 3-of-5 committee, the same 100
# messages): what the second verification costs a message. No target.
ag="${value[process.aggregation.committee3of5_and_optimistic.batch100.per_message.32B]}"
c5="${value[process.committee.3of5.batch100.per_message.32B]}"
awk -v a="$ag" -v c="$c5" 'BEGIN {
  printf "gas.process.aggregation.committee3of5_and_optimistic.batch100.per_message.32B.ratio_vs_committee3of5=%.3f\n", a / c
}'
