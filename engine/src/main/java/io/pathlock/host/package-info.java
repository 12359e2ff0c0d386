/**
 * The host lock table: every pathlock process of one host shares one lock table in a memory-mapped
 * file under the root ({@code ROOT/.pathlock/host/table}), so that processes arbitrate with a few
 * compare-and-swaps on shared memory, O(depth) per request, instead of lock files. See
 * {@code docs/host-table.md} and the protocol at the top of {@link io.pathlock.host.HostTable}.
 *
 * <p>{@code HostLockStore} is the {@link io.pathlock.store.LockStore} a
 * {@link io.pathlock.LockManager} uses; {@link io.pathlock.host.HostTable} and
 * {@link io.pathlock.host.HostSession} are the table itself, for status, administration and tests.
 */
package io.pathlock.host;
