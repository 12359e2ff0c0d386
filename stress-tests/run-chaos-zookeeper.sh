#!/usr/bin/env bash
# Runs the multi-JVM chaos run of the ZooKeeper lock store (io.pathlock.stress.chaos.ZooKeeperChaosRunner)
# against an in-JVM 3-node ensemble (curator-test TestingCluster) and fails unless it passed.
#
#   stress-tests/run-chaos-zookeeper.sh [--seconds S] [--workers N] [--threads M] [--seed X]
#                                       [--faults kill,expire,leader] [--workload tree|mutex|fenced|all]
#                                       [--servers 3] [--session-ms MS] [--root DIR]
#
# Faults: kill -9 of workers, session expiry of a (stopped) holder, the leader killed and restarted.
#
#   CI (about 70 s):   stress-tests/run-chaos-zookeeper.sh --seconds 15 --workers 2 --threads 2 --session-ms 4000
#   long run:          stress-tests/run-chaos-zookeeper.sh --seconds 300 --workers 4 --threads 4
#
# Exit codes: 0 passed; 1 a violation or a run failure; 2 set-up error.
# Needs the shaded jar: mvn -B -q -pl stress-tests -am package -DskipTests
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jar="${CHAOS_JAR:-$here/target/jcstress.jar}"
if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
    sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
fi
if [[ ! -f "$jar" ]]; then
    echo "run-chaos-zookeeper.sh: $jar not found; build it with: mvn -B -q -pl stress-tests -am package -DskipTests" >&2
    exit 2
fi
java_cmd="java"
if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    java_cmd="$JAVA_HOME/bin/java"
fi
args=("$@")
has() { local a; for a in "${args[@]}"; do [[ "$a" == "$1" ]] && return 0; done; return 1; }
has --seconds || args+=(--seconds 30)
has --root || args+=(--root "$here/target/chaos")

exec "$java_cmd" -XX:+UseSerialGC -Xmx512m \
    -cp "$jar" io.pathlock.stress.chaos.ZooKeeperChaosRunner "${args[@]}"
