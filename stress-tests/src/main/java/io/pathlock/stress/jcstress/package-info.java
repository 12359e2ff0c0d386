/**
 * jcstress tests of the engine's lock-free protocols: the lock table's state word, intention counts
 * and their striped cells, node reclamation, waiter wake-ups, fencing tokens, and the redo log's
 * append/acknowledgement (through the real {@code RedoLog} and writer over an in-memory
 * {@code MemorySegmentStorage}). Each test names
 * the LockTable invariant it checks and lists every acceptable outcome; everything else is
 * forbidden. Run through {@code stress-tests/run-jcstress.sh}; results in
 * {@code stress-tests/JCSTRESS-RESULTS.md}.
 *
 * <p>Depends on the engine and on {@link io.pathlock.table.TableProbe} for set-up (inflating nodes)
 * and for reading node state in arbiters.
 *
 * <p>The {@code Host*Test} classes test the host lock table of issue 12 ({@code io.pathlock.host}):
 * two sessions of one real memory-mapped table per JVM ({@code HostFixture}), through the public
 * {@code HostSession} API only; the arbiter's third session checks what a grant left visible.
 */
package io.pathlock.stress.jcstress;
