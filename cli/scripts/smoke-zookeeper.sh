#!/usr/bin/env bash
# Smoke test of the ZooKeeper commands in the shaded jar (what a user runs), after 'mvn package':
# the CLI tests run on the test class path, where curator-test brings jars that pathlock.jar might
# lack. Starts 'dev-zookeeper --port 0', holds a lock with 'run', checks that a second 'run -n' is
# busy (75) and that 'status' lists the holder, then stops the server with SIGTERM and checks that
# its data directory is gone. About 5 s. Exit 0 on success.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
jar="$here/cli/target/pathlock.jar"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
work="$(mktemp -d)"
dev=""
holder=""
cleanup() {
  # A failed check must not leave the holder (pathlock forwards SIGTERM to its command) or the server.
  if [ -n "$holder" ] && kill -0 "$holder" 2>/dev/null; then kill -TERM "$holder"; wait "$holder" || true; fi
  if [ -n "$dev" ] && kill -0 "$dev" 2>/dev/null; then kill -TERM "$dev"; wait "$dev" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
pl() { "$java" -XX:TieredStopAtLevel=1 -jar "$jar" "$@"; }
fail() { echo "smoke-zookeeper: FAILED: $*" >&2; for f in "$work"/*.out "$work"/*.err; do [ -f "$f" ] && sed "s|^|$(basename "$f"): |" "$f" >&2; done; exit 1; }

"$java" -jar "$jar" dev-zookeeper --port 0 >"$work/dev.out" 2>"$work/dev.err" &
dev=$!
for _ in $(seq 1 300); do
  grep -qs 'running until killed' "$work/dev.out" && break
  kill -0 "$dev" 2>/dev/null || fail "dev-zookeeper ended"
  sleep 0.1
done
grep -q 'NOT FOR PRODUCTION' "$work/dev.out" || fail "no banner"
zk="$(sed -n 's/^connect string: //p' "$work/dev.out")"
data="$(sed -n 's/^data directory: //p' "$work/dev.out")"
[ -n "$zk" ] && [ -d "$data" ] || fail "no connect string or data directory"

"$java" -XX:TieredStopAtLevel=1 -jar "$jar" run --zookeeper "$zk" --point /smoke -- sh -c "touch '$work/held'; while [ ! -e '$work/go' ]; do sleep 0.05; done" \
  >"$work/holder.out" 2>"$work/holder.err" &
holder=$!
for _ in $(seq 1 300); do [ -e "$work/held" ] && break; kill -0 "$holder" 2>/dev/null || fail "holder ended"; sleep 0.1; done
[ -e "$work/held" ] || fail "holder never got the lock"
set +e
pl run --zookeeper "$zk" -n --point /smoke -- true 2>"$work/busy.err"; busy=$?
set -e
[ "$busy" = 75 ] || fail "second run exited $busy, expected 75 (busy)"
pl status --zookeeper "$zk" >"$work/status.out" 2>"$work/status.err" || fail "status failed"
grep -Eq "^held +POINT +exclusive .* $holder +/smoke +run@$holder" "$work/status.out" || fail "status does not list the holder"
touch "$work/go"
wait "$holder" || fail "holder exited $?"
holder=""

kill -TERM "$dev"
set +e; wait "$dev"; rc=$?; set -e
dev=""
[ "$rc" = 143 ] || fail "dev-zookeeper exited $rc after SIGTERM, expected 143"
[ ! -e "$data" ] || fail "data directory $data left behind"
echo "smoke-zookeeper: ok (dev-zookeeper, run, run -n busy, status, SIGTERM cleanup from pathlock.jar)"
