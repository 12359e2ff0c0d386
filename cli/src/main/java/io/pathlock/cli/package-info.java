/**
 * The {@code pathlock} command line: {@code run} (flock(1) for path locks: {@link io.pathlock.cli.RunCommand},
 * with {@link io.pathlock.cli.CommandKeeper}, the JVM side of the native keeper process, and
 * {@link io.pathlock.cli.SignalRelay}), {@code status}, {@code break}, {@code redo}, {@code bench}
 * (built-in contention benchmark), {@code dev-zookeeper} (a throw-away ZooKeeper server), the JSON writer of their {@code --json} output, the stderr logger of
 * the command, and the generator of its man pages and bash completion. Depends on the engine, the native
 * library's loader and picocli; the ZooKeeper store only through {@link io.pathlock.store.LockStoreProvider}
 * ({@link java.util.ServiceLoader}), never linked.
 */
package io.pathlock.cli;
