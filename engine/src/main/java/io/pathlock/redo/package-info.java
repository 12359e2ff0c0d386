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
 * The byte formats (described by the package-private {@code RedoRecordDescriptor} and
 * {@code SegmentDescriptor}) and the small {@code SegmentStorage} interface through which all I/O
 * goes (so that tests can inject a full disk or a failing sync) are internal: the API is the log, its
 * configuration, tickets, tasks, handlers, reports, statistics and exceptions, and
 * {@link io.pathlock.redo.RedoLogReader#read(java.nio.file.Path)} to inspect a directory.
 * <p>
 * This package depends on Agrona (internally: no Agrona type appears in its public signatures),
 * the JDK (including {@code jdk.jfr}) and {@link io.pathlock.time} and {@link io.pathlock.config},
 * nothing else of the engine.
 */
package io.pathlock.redo;
