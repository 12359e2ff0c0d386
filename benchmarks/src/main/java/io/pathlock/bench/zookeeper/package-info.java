/**
 * Benchmarks of the ZooKeeper lock store against Curator's {@code InterProcessMutex}, in the same run
 * on the same embedded server (curator-test {@code TestingServer}). Kept out of {@code run-all.sh}
 * (the suite skips this package: each fork starts a server and the hand-off and 16-client runs take
 * minutes); run them with {@code benchmarks/run-zookeeper.sh}.
 */
package io.pathlock.bench.zookeeper;
