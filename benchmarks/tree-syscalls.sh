#!/usr/bin/env bash
# System calls per tree operation, for every row of TreeOpsBenchmark (issue 14): runs
# io.pathlock.bench.tree.TreeOpsProbe under `strace -f -c` with --count N and with --count 0 and
# prints (N-run minus 0-run) / N per call, so set-up and tear-down cancel out. The fsyncs explain the
# timings on any disk: one fdatasync of the redo log and the fsyncs of the durability policy are what
# a tree operation adds to Files.write / Files.move.
#
#   benchmarks/tree-syscalls.sh [--count 200] [--store memory,files,host]
#
# Needs strace and benchmarks/target/benchmarks.jar. Scratch trees under $PATHLOCK_BENCH_DIR
# (default benchmarks/target/bench-tmp). Prints a Markdown table.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
count=200
stores="memory,files,host"
while [ $# -gt 0 ]; do
  case "$1" in
    --count) count="${2:?--count needs a number}"; shift ;;
    --store) stores="${2:?--store needs a list}"; shift ;;
    -h|--help) sed -n '2,/^set /{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "tree-syscalls.sh: unknown argument '$1'" >&2; exit 64 ;;
  esac
  shift
done
[[ "$count" =~ ^[1-9][0-9]*$ ]] || { echo "tree-syscalls.sh: --count takes a positive number, not '$count'" >&2; exit 64; }
command -v strace >/dev/null || { echo "tree-syscalls.sh: strace is not installed" >&2; exit 1; }
jar=benchmarks/target/benchmarks.jar
[ -f "$jar" ] || { echo "tree-syscalls.sh: $jar is missing (mvn -B -q -pl benchmarks -am package -DskipTests)" >&2; exit 1; }
scratch="${PATHLOCK_BENCH_DIR:-benchmarks/target/bench-tmp}"
mkdir -p "$scratch"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
calls="fsync,fdatasync,rename,renameat,renameat2,openat,unlink,unlinkat,mkdir,mkdirat,flock,fcntl,write,pwrite64"

# count ROW STORE DURABILITY N -> file of "syscall calls" lines
count_calls() {
  local f="$out/$1-$2-$3-$4"
  strace -f -c -o "$f.strace" -e trace="$calls" java -Dpathlock.bench.dir="$scratch" -cp "$jar" \
    io.pathlock.bench.tree.TreeOpsProbe --row "$1" --store "$2" --durability "$3" --count "$4" >"$f.out" 2>&1 \
    || { echo "tree-syscalls.sh: TreeOpsProbe failed for $1 $2 $3 $4:" >&2; cat "$f.out" >&2; exit 1; }
  awk '$NF != "syscall" && $NF != "total" && $4 ~ /^[0-9]+$/ { print $NF, $4 }' "$f.strace" > "$f.calls"
  echo "$f.calls"
}

per_op() {
  # per_op ZERO_FILE N_FILE NAME
  awk -v n="$count" -v name="$3" 'NR == FNR { z[$1] = $2; next } { c[$1] = $2 }
    END { v = (c[name] - z[name]) / n; printf "%.2f", v }' "$1" "$2"
}

echo "| row | store | durability | fsync | fdatasync | rename* | openat | unlink* | mkdir* | flock+fcntl | write+pwrite |"
echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
IFS=, read -r -a store_list <<< "$stores"
for row in filesWrite safeWrite write filesMove move; do
  for d in NONE DATA_AND_DIRECTORY; do
    if [ "$row" = write ] || [ "$row" = move ]; then list=("${store_list[@]}"); else list=(-); fi
    for s in "${list[@]}"; do
      st="$s"; [ "$s" = - ] && st=memory
      z="$(count_calls "$row" "$st" "$d" 0)"
      n="$(count_calls "$row" "$st" "$d" "$count")"
      sum() { local t=0; for c in "$@"; do t="$(awk -v a="$t" -v b="$(per_op "$z" "$n" "$c")" 'BEGIN { printf "%.2f", a + b }')"; done; echo "$t"; }
      echo "| $row | $s | $d | $(per_op "$z" "$n" fsync) | $(per_op "$z" "$n" fdatasync) | $(sum rename renameat renameat2) |" \
        "$(per_op "$z" "$n" openat) | $(sum unlink unlinkat) | $(sum mkdir mkdirat) | $(sum flock fcntl) | $(sum write pwrite64) |"
    done
  done
done
