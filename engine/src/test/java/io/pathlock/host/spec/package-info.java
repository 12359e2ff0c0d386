/**
 * Independent tests of the host lock table (issue 12), written from the issue, {@code docs/host-table.md}
 * and the public javadoc of {@code io.pathlock.host}, {@code LockManager} and {@code LockHandle} only,
 * not from the implementation. They use the public API: {@code HostLockStore} under a
 * {@code LockManager} (two stores on one root in one JVM are two sessions), {@code HostTable} and
 * {@code HostSession} directly, and real child JVMs ({@link io.pathlock.host.spec.HostSpecChild})
 * killed with SIGKILL.
 *
 * <p>The conflict rule the tests expect is written out by hand in {@link io.pathlock.host.spec.SpecMatrix}
 * (DESIGN §2), and the OpenViking judgement comes from the independent dialect models in
 * {@code io.pathlock.file.interop}, never from the engine's own judge.
 */
package io.pathlock.host.spec;
