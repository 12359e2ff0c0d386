#!/usr/bin/env bash
# Runs the ZooKeeper lock store benchmarks (io.pathlock.bench.zookeeper) against Curator's
# InterProcessMutex, same run, same embedded server (not part of run-all.sh: several minutes).
#
#   benchmarks/run-zookeeper.sh              all three classes (about 8 min on 2 cores)
#   benchmarks/run-zookeeper.sh Point        one class (ZooKeeperPointBenchmark; Handoff; Throughput)
#
# Results: benchmarks/target/zookeeper-<class>.txt (JMH's text output). Build first if needed:
#   mvn -B -q -pl benchmarks -am package -DskipTests
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="$root/benchmarks/target/benchmarks.jar"
[ -f "$jar" ] || { echo "run-zookeeper.sh: $jar missing: mvn -B -q -pl benchmarks -am package -DskipTests" >&2; exit 2; }
classes=("${@:-Point Handoff Throughput}")
for c in ${classes[@]}; do
  out="$root/benchmarks/target/zookeeper-$c.txt"
  echo "== ZooKeeper${c}Benchmark -> $out"
  java -jar "$jar" "io.pathlock.bench.zookeeper.ZooKeeper${c}Benchmark" -rf text -rff "$out.rf" | tee "$out" | grep -E "^Benchmark|^ZooKeeper|·p0.50|·p0.99 |Score" || true
done
