#!/usr/bin/env bash
# Runs the multi-process chaos runner (io.pathlock.stress.chaos.ChaosRunner) on every workload and
# fails unless it passed.
#
#   stress-tests/run-chaos.sh [--seconds S] [--workers N] [--threads M] [--seed X]
#                             [--faults kill,foreign,garbage,redo,sigstop] [--workload tree|mutex|counter|fenced|all]
#                             [--root DIR]
#
# Defaults: --workload all --seconds 30 --workers 3 --threads 4, every fault, root
# stress-tests/target/chaos. "all" runs the tree workload for S seconds, then the Jepsen workloads
# (mutex, unfenced counter, fenced counter) for max(10, S/3) seconds each; each adds a few seconds of
# JVM start-up and recovery.
#
#   CI (about 75 s):   stress-tests/run-chaos.sh --seconds 24 --workers 2 --threads 3
#   long run:          stress-tests/run-chaos.sh --seconds 300 --workers 3 --threads 4
#
# Exit codes: 0 passed; 1 a violation, a lost redo task, a lost fenced update or a run failure;
# 2 set-up error. Worker output and the section log stay in <root>/<workload>/run/.
# Needs the shaded jar: mvn -B -q -pl stress-tests -am package -DskipTests
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jar="${CHAOS_JAR:-$here/target/jcstress.jar}"
if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
    sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
fi
if [[ ! -f "$jar" ]]; then
    echo "run-chaos.sh: $jar not found; build it with: mvn -B -q -pl stress-tests -am package -DskipTests" >&2
    exit 2
fi
java_cmd="java"
if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    java_cmd="$JAVA_HOME/bin/java"
fi
args=("$@")
has() { local a; for a in "${args[@]}"; do [[ "$a" == "$1" ]] && return 0; done; return 1; }
has --workload || args+=(--workload all)
has --seconds || args+=(--seconds 30)
has --root || args+=(--root "$here/target/chaos")

# No JVM flags needed (Agrona 1.23.x); the runner starts its workers without any either.
exec "$java_cmd" -XX:+UseSerialGC -Xmx256m \
    -cp "$jar" io.pathlock.stress.chaos.ChaosRunner "${args[@]}"
