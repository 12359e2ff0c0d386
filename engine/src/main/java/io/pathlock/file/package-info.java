/**
 * The cross-process lock-file store: {@link io.pathlock.file.FileLockStore} publishes each lock as an
 * OpenViking-compatible lock file under a root directory, so that processes of this engine (and
 * Python OpenViking processes) on one host respect each other's locks. {@code FileLockStore} is the
 * facade; each job is one class below it, with its invariants numbered under a class prefix:
 * {@code PublishProtocol} (P: check, publish, re-check, back off), {@code LockLayout} (L: where a lock
 * path's files are), {@code HeldFiles} (H: the files this store holds), {@code Reaper} (G: guarded
 * removal), {@code LockWaiter} (B: waiting for a blocker), {@code LockAdmin} (A: status and break),
 * {@code LockJudge} (J: the one liveness rule), {@code RootedFs} (R), {@code LockFileScanner} (S), and
 * the facade's own (F). The token format is in {@link io.pathlock.file.LockTokenDescriptor}.
 *
 * <p>Depends on {@code io.pathlock} (paths, requests, conflicts), {@code io.pathlock.store} (the SPI it
 * implements) and {@code io.pathlock.posix} (the system calls); nothing depends on it but the CLI and
 * the benchmarks.
 */
package io.pathlock.file;
