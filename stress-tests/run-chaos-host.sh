#!/usr/bin/env bash
# Multi-process chaos on the host lock table (issue 12): runs io.pathlock.stress.chaos.ChaosRunner
# with the host store in each mode and fails unless every run passed.
#
#   stress-tests/run-chaos-host.sh [--seconds S] [--workers W] [--threads T] [--seed X]
#                                  [--modes none,ragfs,mixed] [--crash-at random:N|none]
#                                  [--detect-bound-ms B] [--workload tree|mutex|all] [--root DIR]
#                                  [--self-test]
#
# Modes (each a run of S seconds plus JVM start-up; default all three):
#   none   W host-store workers, interop none (table only); faults kill, sigstop
#   ragfs  W host-store workers, interop ragfs (table + lock files); faults kill, sigstop, foreign, garbage
#   mixed  host-store workers (interop ragfs, even slots) and lock-file-only workers (FileLockStore,
#          odd slots) on one root, planted OpenViking tokens and garbage lock files
# Host workers (but slot 0 of a host-only run) run with -Dpathlock.host.crashAt=random:1 (--crash-at): the table
# SIGKILLs the process at random numbered steps inside acquire, release, insert, reclamation and
# recovery. After every death the runner acquires each lock the dead worker held and asserts it is
# granted within --detect-bound-ms of its request (default 1000; p50/p99/max from the death and from
# the request are printed). At the end it recovers the table and checks that no node has a count.
#
# --self-test first runs the checker against a broken store (6 s, 2 x 2): every worker on a table of
# its own (ChaosRunner --split-tables true), so workers do not exclude each other; the script fails
# unless that run reports violations.
#
#   CI (about 70 s):   stress-tests/run-chaos-host.sh --self-test --seconds 12 --workers 2 --threads 2
#   long run:          stress-tests/run-chaos-host.sh --seconds 300 --workers 4 --threads 4
#
# Exit codes: 0 passed; 1 a violation or a run failure; 2 set-up error. Worker output and the
# section log stay in <root>/<store>-<interop>-<workload>/run/.
# Needs the shaded jar: mvn -B -q -pl stress-tests -am package -DskipTests
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jar="${CHAOS_JAR:-$here/target/jcstress.jar}"
if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print } /^set -euo/ { exit }' "${BASH_SOURCE[0]}"
    exit 0
fi
if [[ ! -f "$jar" ]]; then
    echo "run-chaos-host.sh: $jar not found; build it with: mvn -B -q -pl stress-tests -am package -DskipTests" >&2
    exit 2
fi
java_cmd="java"
if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    java_cmd="$JAVA_HOME/bin/java"
fi

modes="none,ragfs,mixed"
seconds=30
workload=tree
root="$here/target/chaos-host"
pass=()
self_test=no
while [[ $# -gt 0 ]]; do
    case "$1" in
        --modes)    modes="${2:?--modes needs a value}"; shift 2 ;;
        --seconds)  seconds="${2:?--seconds needs a value}"; shift 2 ;;
        --workload) workload="${2:?--workload needs a value}"; shift 2 ;;
        --root)     root="${2:?--root needs a value}"; shift 2 ;;
        --self-test) self_test=yes; shift ;;
        --workers|--threads|--seed|--crash-at|--detect-bound-ms)
            pass+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
        *)
            echo "run-chaos-host.sh: unknown option '$1' (see --help)" >&2
            exit 2 ;;
    esac
done
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [[ "$seconds" -lt 1 ]]; then
    echo "run-chaos-host.sh: --seconds must be a positive integer, got '$seconds'" >&2
    exit 2
fi

failed=()
if [[ "$self_test" == yes ]]; then
    echo "=== host chaos: self-test (every worker on a table of its own: violations expected)"
    set +e
    out="$("$java_cmd" -XX:+UseSerialGC -Xmx256m -cp "$jar" io.pathlock.stress.chaos.ChaosRunner \
        --root "$root/self-test" --store host --interop none --split-tables true --crash-at none \
        --workload tree --seconds 6 --workers 2 --threads 2 2>&1)"
    rc=$?
    set -e
    violations="$(sed -n 's/^  violations  *\([0-9][0-9]*\)$/\1/p' <<<"$out" | head -1)"
    if [[ $rc -eq 1 && "${violations:-0}" -gt 0 ]]; then
        echo "  the checker caught the broken store: $violations violations (as it must)"
    else
        echo "$out" | tail -20
        failed+=("self-test (runner exit $rc, violations ${violations:-none}: the checker missed a broken store)")
    fi
fi
IFS=',' read -r -a mode_list <<<"$modes"
for m in "${mode_list[@]}"; do
    case "$m" in
        none)  store=host;  interop=none ;;
        ragfs) store=host;  interop=ragfs ;;
        mixed) store=mixed; interop=ragfs ;;
        *)
            echo "run-chaos-host.sh: unknown mode '$m' in --modes (expected none, ragfs or mixed)" >&2
            exit 2 ;;
    esac
    echo "=== host chaos: mode $m"
    set +e
    "$java_cmd" -XX:+UseSerialGC -Xmx256m -cp "$jar" io.pathlock.stress.chaos.ChaosRunner \
        --root "$root" --store "$store" --interop "$interop" --workload "$workload" --seconds "$seconds" "${pass[@]}"
    rc=$?
    set -e
    if [[ $rc -ne 0 ]]; then
        failed+=("$m (exit $rc)")
    fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "host chaos: FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "host chaos: all modes passed ($modes)"
