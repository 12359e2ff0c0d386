#!/usr/bin/env bash
# Runs the jcstress tests of pathlock and fails unless they all passed.
#
#   stress-tests/run-jcstress.sh [ci|quick|full] [extra jcstress options...]
#
#   ci     jcstress "-m quick -sc false" in ONE compiler configuration, C2 with its code-motion and
#          value-numbering randomizers (-XX:-TieredCompilation -XX:+Stress{LCM,GCM,IGVN,CCP}; jcstress
#          still runs it with and without biased locking), instead of the four it detects (interpreter,
#          C1, C2, C2 + randomizers): about 6 s per test on 2 cores; what CI runs, to keep it inside
#          its budget with 33 tests (8 of them the host table's, issue 12). Before a release, and after any
#          change to the lock table or the host table, run quick.
#   quick  jcstress "-m quick" (default): every compilation mode and JVM configuration (about 40-55 s
#          per test on 2 cores)
#   full   jcstress "-m default": the long run (tens of minutes per test on 2 cores)
#
# Extra options go to jcstress unchanged, e.g. one test while developing:
#   stress-tests/run-jcstress.sh quick -t SubtreeVsPointTest
#
# jcstress 0.16 can exit 0 although tests failed, so this script reads the output instead: it
# exits 0 only if the run finished ("RUN RESULTS"), at least one test passed, and the failed and
# error lists are empty. Exit codes: 0 passed, 1 failed or did not finish, 2 usage or set-up error.
#
# The run happens in a fresh temporary directory (jcstress writes results/ and a .bin.gz into its
# working directory); the console output and the HTML report are kept in
#   $JCSTRESS_REPORT_DIR (default: stress-tests/target/jcstress-reports/<mode>-<timestamp>/).
# Needs the shaded jar: mvn -B -q -pl stress-tests -am package -DskipTests
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jar="${JCSTRESS_JAR:-$here/target/jcstress.jar}"

mode="${1:-quick}"
if [[ $# -gt 0 ]]; then
    shift
fi
case "$mode" in
    ci)    preset=(-m quick -sc false -jvmArgs "-XX:-TieredCompilation -XX:+UnlockDiagnosticVMOptions -XX:+StressLCM -XX:+StressGCM -XX:+StressIGVN -XX:+StressCCP") ;;
    quick) preset=(-m quick) ;;
    full)  preset=(-m default) ;;
    -h|--help|help)
        sed -n '2,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
        exit 0 ;;
    *)
        echo "run-jcstress.sh: unknown mode '$mode' (expected ci, quick or full)" >&2
        exit 2 ;;
esac

if [[ ! -f "$jar" ]]; then
    echo "run-jcstress.sh: $jar not found; build it with: mvn -B -q -pl stress-tests -am package -DskipTests" >&2
    exit 2
fi
java_cmd="java"
if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    java_cmd="$JAVA_HOME/bin/java"
fi

stamp="$(date +%Y%m%d-%H%M%S)"
report_dir="${JCSTRESS_REPORT_DIR:-$here/target/jcstress-reports/$mode-$stamp}"
mkdir -p "$report_dir"
report_dir="$(cd "$report_dir" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/pathlock-jcstress.XXXXXX")"
trap 'rm -rf "$work"' EXIT

out="$report_dir/output.txt"
echo "jcstress ($mode): ${preset[*]} $*"
echo "  jar:    $jar"
echo "  output: $out"
start=$(date +%s)
set +e
# No JVM flags: Agrona 1.23.x (RedoRingHandoffTest's ring buffer) needs no --add-exports.
(cd "$work" && "$java_cmd" -jar "$jar" "${preset[@]}" -v "$@") > "$out" 2>&1
rc=$?
set -e
elapsed=$(( $(date +%s) - start ))
if [[ -d "$work/results" ]]; then
    rm -rf "$report_dir/results"
    cp -r "$work/results" "$report_dir/results"
fi

# The summary after "RUN RESULTS:" lists each test once, as "....[OK] name" or "....[FAILED] name".
summary="$(sed -n '/^RUN RESULTS:/,$p' "$out")"
passed=$(grep -cE '^\.+ \[OK\] ' <<<"$summary" || true)
bad=$(grep -E '^\.+ \[(FAILED|ERROR|[A-Z_ ]*ERROR[A-Z_ ]*)\] ' <<<"$summary" || true)

verdict=ok
reasons=()
if [[ -z "$summary" ]]; then
    verdict=fail; reasons+=("no RUN RESULTS section: the run did not finish (jcstress exit code $rc)")
    reasons+=("last line: $(grep -v '^[[:space:]]*$' "$out" | tail -1)")
else
    if ! grep -q '^  Failed tests: No matches\.' <<<"$summary"; then
        verdict=fail; reasons+=("failed tests listed")
    fi
    if ! grep -q '^  Error tests: No matches\.' <<<"$summary"; then
        verdict=fail; reasons+=("error tests listed")
    fi
fi
if [[ -n "$bad" ]]; then
    verdict=fail; reasons+=("tests not OK: $(tr '\n' ' ' <<<"$bad")")
fi
if [[ "$passed" -eq 0 ]]; then
    verdict=fail; reasons+=("no test passed (did the -t regexp match anything?)")
fi
if [[ $rc -ne 0 ]]; then
    verdict=fail; reasons+=("jcstress exit code $rc")
fi

echo "  tests passed: $passed; elapsed: ${elapsed}s; report: $report_dir/results/index.html"
grep -E '^\.+ \[[A-Z_ ]+\] ' <<<"$summary" | sed 's/^\.* /  /' || true
if [[ "$verdict" != ok ]]; then
    echo "jcstress: FAILED" >&2
    for r in "${reasons[@]}"; do
        echo "  - $r" >&2
    done
    echo "  see $out" >&2
    exit 1
fi
echo "jcstress: all $passed tests passed"
