#!/bin/bash
# The kernel's scripts/checkalllitmus.sh (35 tests, one herd7 process each, unchanged, from a
# writable copy of ../shared/kernel-mm/memory-model) with bin/litmus-herd7 as `herd7` on PATH,
# against the same scripts with a `herd7` that only prints herd7's recorded output (the
# .expected files of ../shared/corpus/lkmm-kernel): that is the scripts' own work, which is most
# of real herd7's 1.2-1.7 s here, measured at the same load. Runs alternate; medians of RUNS.
# usage: bench/checkalllitmus.sh [RUNS]
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-3}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp -r "$root/../shared/kernel-mm/memory-model" "$dir/mm"
mkdir "$dir/dropin" "$dir/recorded"
ln -s "$root/bin/litmus-herd7" "$dir/dropin/herd7"
# The recorded output of the test named last on the command line.
cat >"$dir/recorded/herd7" <<EOS
#!/bin/sh
for f; do :; done
cat "$root/../shared/corpus/lkmm-kernel/\$(basename "\$f").expected"
EOS
chmod +x "$dir/recorded/herd7"
time_one() { # PATHDIR -> "wall cpu" seconds, after checking that all 35 were verified
  local t0 t1 err
  t0=$(date +%s.%N)
  # CPU (user + sys of the scripts and every process they waited for) beside wall time: on a
  # loaded machine the wall time is mostly waiting for a core.
  err=$(cd "$dir/mm" && PATH="$1:$PATH" /usr/bin/time -f 'cpu %U %S' -o "$dir/cpu" scripts/checkalllitmus.sh 2>&1 >/dev/null)
  t1=$(date +%s.%N)
  case $err in *'All litmus tests verified as was expected.'*) ;; *) echo "checkalllitmus.sh failed with $1: $err" >&2; exit 1 ;; esac
  echo "$(echo "$t1 - $t0" | bc) $(awk '{print $2 + $3}' "$dir/cpu")"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
d=() r=()
for ((k = 0; k < runs; k++)); do
  d+=("$(time_one "$dir/dropin")") || exit 1
  r+=("$(time_one "$dir/recorded")") || exit 1
done
col() { printf '%s\n' "${@:2}" | awk -v c="$1" '{print $c}' | median; }
dw=$(col 1 "${d[@]}") dc=$(col 2 "${d[@]}") rw=$(col 1 "${r[@]}") rc=$(col 2 "${r[@]}")
printf 'checkalllitmus.sh, 35 tests (medians of %d): drop-in %.2f s wall / %.2f s CPU; recorded herd7 output (the scripts alone) %.2f s / %.2f s; ratio %.2f wall, %.2f CPU; herd7 1.2-1.7 s idle\n' \
  "$runs" "$dw" "$dc" "$rw" "$rc" "$(echo "$dw / $rw" | bc -l)" "$(echo "$dc / $rc" | bc -l)"
