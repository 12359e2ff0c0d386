#!/usr/bin/env bash
# Checks that the C floors of the file-store benchmarks make the store's system calls: runs
# io.pathlock.bench.file.StraceProbe under strace (one uncontended POINT of /a/b/c/d and one SUBTREE of
# /tree, then the floors once each, between marker calls), normalises descriptors, the temporary name
# and the token, and compares the store's calls with the floor's call by call. The floors' only extra
# calls are their once-per-JNI-call setup (open of the root and of the guard file, and their close),
# which the store does once per store; they are listed and left out of the comparison.
#
#   benchmarks/strace-floors.sh [--backend jni] [--dialect ragfs] [--out DIR]
#
# Needs strace and benchmarks/target/benchmarks.jar. Exits non-zero when the sequences differ.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
backend=jni
dialect=ragfs
out=benchmarks/target/strace
while [ $# -gt 0 ]; do
  case "$1" in
    --backend) backend="$2"; shift ;;
    --dialect) dialect="$2"; shift ;;
    --out) out="$2"; shift ;;
    *) echo "strace-floors.sh: unknown argument '$1'" >&2; exit 64 ;;
  esac
  shift
done
command -v strace >/dev/null || { echo "strace-floors.sh: strace is not installed" >&2; exit 1; }
mkdir -p "$out" benchmarks/target/bench-tmp
rm -f "$out"/trace.*
strace -ff -e trace=%file,%desc,flock -o "$out/trace" \
  java -cp benchmarks/target/benchmarks.jar io.pathlock.bench.file.StraceProbe \
  --dir "$root/benchmarks/target/bench-tmp" --backend "$backend" --dialect "$dialect" >/dev/null
main="$(grep -l 'MARK-point-begin' "$out"/trace.* | head -1)"

# $1 begin marker, $2 end marker: the calls between them, normalised
cut_out() {
  sed -n "/MARK-$1\"/,/MARK-$2\"/p" "$main" | grep -v MARK \
    | sed -E 's/[0-9a-f]{16}\.[0-9]+/NONCE/g; s/\(-?[0-9]+,/(FD,/; s/, [0-9]+, "/, FD, "/; s/= [0-9]+$/= N/;
              s/^(close|flock)\([0-9]+/\1(FD/; s/0x[0-9a-f]+/ADDR/; s/write\(FD, "[^"]*"\.*, [0-9]+\)/write(FD, TOKEN)/;
              s/ +=/ =/; s/ \/\* [0-9]+ entries \*\//ENTRIES/'
}
# the floor's setup: openat(AT_FDCWD, root|guard) first, and their two close last
strip_setup() { grep -v '^openat(AT_FDCWD' | head -n -"$1"; }

status=0
for what in point subtree; do
  cut_out "$what-begin" "$what-end" > "$out/store-$what.txt"
  cut_out "floor-$what-begin" "floor-$what-end" > "$out/floor-$what.txt"
  strip_setup 2 < "$out/floor-$what.txt" > "$out/floor-$what.cmp"
  n_store=$(wc -l < "$out/store-$what.txt")
  n_floor=$(wc -l < "$out/floor-$what.cmp")
  if diff -q "$out/store-$what.txt" "$out/floor-$what.cmp" >/dev/null; then
    echo "$what ($backend, $dialect): store $n_store calls, floor $n_floor calls (+4 setup per JNI call): identical"
  else
    echo "$what ($backend, $dialect): store $n_store calls, floor $n_floor: DIFFERENT (diff $out/store-$what.txt $out/floor-$what.cmp)"
    status=1
  fi
  echo "  by call: $(sed -E 's/\(.*//' "$out/store-$what.txt" | sort | uniq -c | awk '{printf "%s %s, ", $2, $1}')"
done
cut_out floor-walk-begin floor-walk-end | grep -v "^openat(AT_FDCWD" | head -n -1 > "$out/floor-walk.txt"
echo "walk floor: $(wc -l < "$out/floor-walk.txt") calls (+2 setup per JNI call, left out): $(sed -E 's/\(.*//' "$out/floor-walk.txt" | sort | uniq -c | awk '{printf "%s %s, ", $2, $1}')"
exit $status
