/**
 * The redo log: an append-only, checksummed, group-committed log of tasks that must survive a
 * crash.
 * <p>
 * Work is bracketed by {@link io.pathlock.redo.RedoLog#begin(String, byte[])}, which returns a
 * {@link io.pathlock.redo.RedoTicket} only once the BEGIN record is durable, and
 * {@link io.pathlock.redo.RedoTicket#done()}. Producers encode their record (with its CRC32C) into an
 * Agrona {@code ManyToOneRingBuffer}; one writer agent drains the ring, writes the batch into the live
 * segment file and data-syncs it once (group commit). On open the segments are verified, a torn tail
 * is truncated, and every begun-but-not-done task is replayed in the background through the
 * {@link io.pathlock.redo.RedoHandler} registered for its type.
 * <p>
 * Byte formats are described by {@link io.pathlock.redo.RedoRecordDescriptor} and
 * {@link io.pathlock.redo.SegmentDescriptor}. All I/O goes through the small
 * {@link io.pathlock.redo.SegmentStorage} interface so tests can inject a full disk or a failing sync.
 * <p>
 * This package depends on Agrona (internally: no Agrona type appears in its public signatures),
 * the JDK (including {@code jdk.jfr}) and {@link io.pathlock.time} for its clock, nothing else of the
 * engine.
 */
package io.pathlock.redo;
