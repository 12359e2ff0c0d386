/**
 * Independent models of OpenViking's two on-disk lock dialects, written from OpenViking's sources,
 * used to judge the lock files pathlock writes and to plant files exactly as OpenViking would.
 *
 * <ul>
 *   <li>{@code ov431}: the Python {@code PathLock} of OpenViking PR #431 (commit 1823a7c4f,
 *       {@code openviking/storage/transaction/path_lock.py}) running over AGFS's {@code localfs}
 *       plugin ({@code third_party/agfs/agfs-server/pkg/plugins/localfs/localfs.go}).</li>
 *   <li>{@code ragfs}: the Rust {@code PathLockManager} ({@code crates/ragfs/src/lock/}) over the
 *       ragfs {@code localfs} plugin ({@code crates/ragfs/src/plugins/localfs/mod.rs}), without the
 *       cache and encryption wrappers.</li>
 * </ul>
 *
 * <p>Dependencies: java.nio and the JDK only. This package must never import a pathlock production
 * class: it is the judge of pathlock's files, so it must not share their code or their mistakes.
 *
 * <p>Everything here reads with java.nio and never opens a FIFO or a device (a model that can
 * block is useless as a judge); where OpenViking would block, the model says so in its verdict.
 * Nothing writes except {@code plant}.
 */
package io.pathlock.file.interop;
