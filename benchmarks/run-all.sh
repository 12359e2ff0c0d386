#!/usr/bin/env bash
# Runs the pathlock benchmark suite and generates the report.
#
#   benchmarks/run-all.sh                   the standard set (under 20 min on 2 cores): raw results in
#                                           benchmarks/results/<date>/, report in benchmarks/BENCHMARKS.md
#   benchmarks/run-all.sh --smoke           every benchmark once, one fork, one short iteration (a few
#                                           minutes; for CI): results in benchmarks/target/smoke-results/;
#                                           exits non-zero if any benchmark fails; figures mean nothing
#   benchmarks/run-all.sh --only lock-table,handoff
#                                           some areas only (lock-table, lock-files, redo, handoff, host,
#                                           tree); the report stays in the results directory
#   benchmarks/run-all.sh --only host       issue 12's host lock table: JMH POINT/SUBTREE by store and the
#                                           cross-process harnesses (hand-off, 2 processes vs 1, kill -9),
#                                           each beside the lock-file store (about 4 min)
#   benchmarks/run-all.sh --only tree       issue 14's tree operations: TreeOps.write (4 KiB) and TreeOps.move (a
#                                           directory of 10 files) per store (memory, files, host) and durability,
#                                           beside Files.write, an atomic write by hand and Files.move of the same
#                                           durability: JMH, then the same rows in alternating blocks
#                                           (TreeInterleaved) for ratios that survive a loaded machine (about
#                                           4 min; benchmarks/TREE-RESULTS.md)
#   --jmh OPTIONS    JMH options instead of the standard ones and their budget fallbacks, e.g.
#                    --jmh "-f 2 -wi 3 -w 1s -i 5 -r 1s" (forks, warm-up and measured iterations and
#                    their seconds; nothing else)
#   --notice TEXT    printed at the top of the report (e.g. "noisy dev run")
#   --tag NAME       suffix of the results directory: benchmarks/results/<date>-NAME/
#   --dry-run        print the plan and the time estimate, run nothing
#   --no-build       use benchmarks/target/benchmarks.jar as it is
#
# Builds the jar (and the CLI jar, which the MixedWorkload harness runs) first if either is missing or
# older than any source (mvn -B -q -pl benchmarks,cli -am package -DskipTests; never installs).
# Scratch trees go to $PATHLOCK_BENCH_DIR (default benchmarks/target/bench-tmp): put it on the disk you
# mean to measure, not a tmpfs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

command_line="benchmarks/run-all.sh"
for a in "$@"; do
  if [[ "$a" =~ ^[A-Za-z0-9_./,=:+-]+$ ]]; then command_line+=" $a"; else command_line+=" '${a//\'/\'\\\'\'}'"; fi
done

smoke=0
only=""
notice=""
jmh=""
dry=0
tag=""
build=auto
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1 ;;
    --only) only="${2:?--only needs a list of areas}"; shift ;;
    --notice) notice="${2:?--notice needs a text}"; shift ;;
    --jmh) jmh="${2:?--jmh needs options, e.g. \"-f 2 -wi 3 -w 1s -i 5 -r 1s\"}"; shift ;;
    --tag) tag="${2:?--tag needs a name}"; shift
      [[ "$tag" =~ ^[A-Za-z0-9._-]+$ ]] || { echo "run-all.sh: --tag takes letters, digits, . _ -" >&2; exit 64; } ;;
    --dry-run) dry=1 ;;
    --no-build) build=no ;;
    -h|--help) sed -n '2,/^set /{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-all.sh: unknown argument '$1' (see --help)" >&2; exit 64 ;;
  esac
  shift
done

jar=benchmarks/target/benchmarks.jar
if [ "$build" = auto ]; then
  stale=""
  if [ -f "$jar" ]; then
    stale="$(find pom.xml native/pom.xml native/src engine/pom.xml engine/src benchmarks/pom.xml benchmarks/src \
      cli/pom.xml cli/src -newer "$jar" -type f -print -quit 2>/dev/null || true)"
  fi
  if [ ! -f "$jar" ] || [ ! -f cli/target/pathlock.jar ] || [ -n "$stale" ]; then
    # cli too: the MixedWorkload harness runs `pathlock bench` from cli/target/pathlock.jar.
    echo "building $jar and cli/target/pathlock.jar: mvn -B -q -pl benchmarks,cli -am package -DskipTests${stale:+ (newer: $stale)}"
    mvn -B -q -Dstyle.color=never -pl benchmarks,cli -am package -DskipTests
  fi
fi
[ -f "$jar" ] || { echo "run-all.sh: $jar is missing (build with: mvn -B -q -pl benchmarks -am package -DskipTests)" >&2; exit 1; }

day="$(date -u +%Y-%m-%d)${tag:+-$tag}"
if [ "$smoke" = 1 ]; then
  results="benchmarks/target/smoke-results/$day-$(date -u +%H%M%S)"
else
  results="benchmarks/results/$day"
  [ -e "$results" ] && results="benchmarks/results/${day}_$(date -u +%H%M%S)"
fi

args=(--results "$results" --scratch "${PATHLOCK_BENCH_DIR:-benchmarks/target/bench-tmp}" --jar "$jar" --command "$command_line")
[ "$smoke" = 1 ] && args+=(--smoke)
[ -n "$only" ] && args+=(--only "$only")
[ -n "$notice" ] && args+=(--notice "$notice")
[ -n "$jmh" ] && args+=(--jmh "$jmh")
[ "$dry" = 1 ] && args+=(--dry-run)
# The committed report is only replaced by a full run of every area.
[ "$smoke" = 0 ] && [ -z "$only" ] && [ "$dry" = 0 ] && args+=(--report benchmarks/BENCHMARKS.md)

exec java -cp "$jar" io.pathlock.bench.suite.SuiteRunner "${args[@]}"
