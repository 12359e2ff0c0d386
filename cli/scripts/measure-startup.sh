#!/usr/bin/env bash
# Measures the wall time (and CPU time) of short pathlock commands, interleaved so that every
# variant sees the same machine load (issue 10 item 13).
#
#   cli/scripts/measure-startup.sh RUNS 'LABEL=COMMAND' ['LABEL=COMMAND' ...]
#
# Each COMMAND is run RUNS times, round-robin with the others, through bash -c with ROOT set to a
# fresh lock tree, e.g.
#   cli/scripts/measure-startup.sh 20 \
#     'before=java -jar /tmp/pathlock-before.jar run --root $ROOT --point /a -- true' \
#     'after=./pathlock run --root $ROOT --point /a -- true'
# Prints per variant: mean, median, min and max wall milliseconds, and mean user+sys CPU ms.
set -euo pipefail
runs="$1"
shift
labels=()
cmds=()
for spec in "$@"; do
  labels+=("${spec%%=*}")
  cmds+=("${spec#*=}")
done
ROOT="$(mktemp -d)"
export ROOT
trap 'rm -rf "$ROOT" "$ROOT.time"' EXIT
declare -A wall cpu
for ((r = 0; r < runs; r++)); do
  for ((k = 0; k < ${#cmds[@]}; k++)); do
    /usr/bin/time -o "$ROOT.time" -f '%e %U %S' bash -c "${cmds[$k]}" >/dev/null 2>&1 || true
    read -r e u s <"$ROOT.time"
    wall[$k]+="$(awk -v e="$e" 'BEGIN { printf "%d ", e * 1000 }')"
    cpu[$k]+="$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%d ", (u + s) * 1000 }')"
  done
done
for ((k = 0; k < ${#cmds[@]}; k++)); do
  read -ra w <<<"${wall[$k]}"
  read -ra c <<<"${cpu[$k]}"
  sorted=($(printf '%s\n' "${w[@]}" | sort -n))
  n=${#w[@]}
  sw=0; for x in "${w[@]}"; do sw=$((sw + x)); done
  sc=0; for x in "${c[@]}"; do sc=$((sc + x)); done
  printf '%-10s runs %3d  wall mean %5d ms  median %5d ms  min %5d ms  max %5d ms   cpu mean %5d ms   (%s)\n' \
    "${labels[$k]}" "$n" $((sw / n)) "${sorted[$((n / 2))]}" "${sorted[0]}" "${sorted[$((n - 1))]}" $((sc / n)) "${cmds[$k]}"
done
