#!/bin/bash
# One process per test over ../shared/corpus/paulmck, the way the kernel's scripts run a corpus:
# bin/litmus-herd7 -conf linux-kernel.cfg FILE under `timeout 20` (herd7-times.tsv's limit), then
# the Observation line compared with herd7's .expected (tests herd7 timed out on: with the verdict
# of their Result: comment, TIMEOUTS.tsv). Prints the total wall time against herd7's 484 s.
# usage: bench/paulmck-processes.sh [OUT.tsv]
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=$root/../shared/corpus/paulmck
models=$root/../shared/models/lkmm
out=${1:-/tmp/paulmck-processes.tsv}
printf 'path\texit\tseconds\tcpu\tsame\n' >"$out"
start=$(date +%s.%N)
same=0 differ=0 timeouts=0 n=0
cd "$corpus" || exit 2
while IFS= read -r f; do
  t0=$(date +%s.%N)
  # CPU time (user+sys) beside wall: on a shared, loaded machine wall time is mostly waiting.
  obs=$(/usr/bin/time -f '%U %S' -o "$out.cpu" timeout 20 "$root/bin/litmus-herd7" -I "$models" -conf linux-kernel.cfg "$f" 2>/dev/null | awk '/^Observation/ {print $3}')
  rc=${PIPESTATUS[0]}
  cpu=$(awk 'END {print $1 + $2}' "$out.cpu")
  cpusum=$(echo "${cpusum:-0} + $cpu" | bc)
  t1=$(date +%s.%N)
  if [ -f "$f.expected" ]; then want=$(awk '/^Observation/ {print $3}' "$f.expected")
  else want=$(awk -F'\t' -v p="$f" '$1 == p {print $2}' TIMEOUTS.tsv | awk '{print $1}'); fi
  if [ "$rc" = 124 ]; then timeouts=$((timeouts + 1)); fi
  if [ -n "$want" ] && [ "$obs" = "$want" ]; then s=1; same=$((same + 1)); elif [ -z "$want" ]; then s=-; else s=0; differ=$((differ + 1)); fi
  n=$((n + 1))
  printf '%s\t%s\t%.3f\t%s\t%s\n' "$f" "$rc" "$(echo "$t1 - $t0" | bc)" "$cpu" "$s" >>"$out"
done < <(find auto luc manual -name '*.litmus' | sort)
end=$(date +%s.%N)
echo "paulmck, one process per test: $n tests, $(echo "$end - $start" | bc) s wall, ${cpusum:-0} s CPU; same Observation as herd7 $same, different $differ, our timeouts $timeouts (herd7: 484 s + 69 timeouts at 20 s)"
