#!/bin/bash
# One process per test over ../shared/corpus/paulmck, the way the kernel's scripts run a corpus:
# bin/litmus-herd7 -conf linux-kernel.cfg FILE under a 20 s limit (herd7-times.tsv's), then the
# Observation line compared with herd7's .expected; for the 69 tests herd7 timed out on
# (TIMEOUTS.tsv), with the verdict of their Result: comment. Prints the totals against herd7's
# 484 s (the tests it finished) plus 69 timeouts.
# usage: bench/paulmck-processes.sh [OUT.tsv]
# LIMIT=cpu limits each process to 20 s of CPU (ulimit -t) instead of 20 s of wall time: on a
# machine shared with other work, wall time is mostly waiting for a core, and herd7's 20 s were
# measured on an idle one.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=$root/../shared/corpus/paulmck
models=$root/../shared/models/lkmm
out=${1:-/tmp/paulmck-processes.tsv}
limit=${LIMIT:-wall}
printf 'path\texit\tseconds\tcpu\tsame\n' >"$out"
start=$(date +%s.%N)
same=0 differ=0 timeouts=0 n=0 theirs_decided=0 theirs_timeout_ours_same=0 theirs_timeout_ours_timeout=0 theirs_timeout_differ=0
cd "$corpus" || exit 2
while IFS= read -r f; do
  t0=$(date +%s.%N)
  # CPU time (user+sys) beside wall: on a shared, loaded machine wall time is mostly waiting.
  if [ "$limit" = cpu ]; then
    /usr/bin/time -f '%U %S' -o "$out.cpu" bash -c 'ulimit -t 20; exec "$@"' - "$root/bin/litmus-herd7" -I "$models" -conf linux-kernel.cfg "$f" >"$out.obs" 2>/dev/null
  else
    /usr/bin/time -f '%U %S' -o "$out.cpu" timeout 20 "$root/bin/litmus-herd7" -I "$models" -conf linux-kernel.cfg "$f" >"$out.obs" 2>/dev/null
  fi
  rc=$?
  obs=$(awk '/^Observation/ {print $3}' "$out.obs")
  cpu=$(awk 'END {print $1 + $2}' "$out.cpu")
  cpusum=$(echo "${cpusum:-0} + $cpu" | bc)
  t1=$(date +%s.%N)
  # 124: timeout's; 152: killed by SIGXCPU (ulimit -t).
  over=0; if [ "$rc" = 124 ] || [ "$rc" = 152 ] || [ -z "$obs" ]; then over=1; timeouts=$((timeouts + 1)); fi
  if [ -f "$f.expected" ]; then
    want=$(awk '/^Observation/ {print $3}' "$f.expected"); theirs_decided=$((theirs_decided + 1))
    if [ "$obs" = "$want" ]; then s=1; same=$((same + 1)); else s=0; differ=$((differ + 1)); fi
  else
    # herd7 timed out: compared with the test's Result: comment when we decide it.
    want=$(awk -F'\t' -v p="$f" '$1 == p {print $2}' TIMEOUTS.tsv | awk '{print $1}')
    if [ "$over" = 1 ]; then s=T; theirs_timeout_ours_timeout=$((theirs_timeout_ours_timeout + 1))
    elif [ "$obs" = "$want" ]; then s=1; theirs_timeout_ours_same=$((theirs_timeout_ours_same + 1))
    else s=0; theirs_timeout_differ=$((theirs_timeout_differ + 1)); fi
  fi
  n=$((n + 1))
  printf '%s\t%s\t%.3f\t%s\t%s\n' "$f" "$rc" "$(echo "$t1 - $t0" | bc)" "$cpu" "$s" >>"$out"
done < <(find auto luc manual -name '*.litmus' | sort)
end=$(date +%s.%N)
rm -f "$out.cpu" "$out.obs"
echo "paulmck, one process per test ($limit limit 20 s): $n tests, $(echo "$end - $start" | bc) s wall, ${cpusum:-0} s CPU, $timeouts over the limit"
echo "  of the $theirs_decided herd7 decided: same Observation $same, different $differ"
echo "  of the $((n - theirs_decided)) herd7 timed out on: we decide $theirs_timeout_ours_same as their Result: comment and $theirs_timeout_differ otherwise, over the limit $theirs_timeout_ours_timeout"
echo "  herd7: 484 s for the tests it decided + 69 timeouts at 20 s = 1864 s"
