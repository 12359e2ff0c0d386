package io.pathlock.stress.chaos;

import io.pathlock.core.LockRequest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.StringJoiner;

/**
 * The independent recorder: an {@code O_APPEND} file shared by every process, one line per record,
 * each written by a single {@code write(2)}. Appends to one inode are serialised by the kernel, so
 * the file order is a total order consistent with real time (the shared monotonic sequence): a
 * record written after another record was written appears after it. Since {@code ENTER} is written
 * after the grant returned and {@code EXIT} before the release starts, a conflicting {@code ENTER}
 * between another section's {@code ENTER} and {@code EXIT} proves two holders were inside at once.
 *
 * <p>Records: {@code E gid token entries offset} (enter; entries {@code P/a,S/b}, lower case
 * {@code p}/{@code s} for the shared modes; offset is the log
 * size when the attempt started, so every record ending at or before it was written before the
 * attempt began), {@code X gid} (exit),
 * {@code K pid} (the runner: pid is stopped and about to be killed; it writes nothing more),
 * {@code D pid} (the runner: pid was found dead, killed by itself at a step of the host table's
 * {@code pathlock.host.crashAt} hook; it died at some point after its last record),
 * {@code G+ path} / {@code G- path} (garbage lock file planted / about to be removed), {@code F path}
 * (stale foreign token planted), {@code C gid token value} (counter write accepted),
 * {@code R gid token op} (counter operation rejected by the fenced storage), {@code P pid} /
 * {@code Q pid} (pause / resume by SIGSTOP).
 */
final class ChaosLog implements AutoCloseable
{
    static final String LOG_NAME = "sections.log";
    static final String REDO_ACK_NAME = "redo-acks.log";
    static final String REDO_TYPE = "chaos";

    private final FileChannel channel;

    ChaosLog(final Path file) throws IOException
    {
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.APPEND);
    }

    /** Appends one record with one write(2) (O_APPEND: records of all processes interleave whole). */
    void append(final String record) throws IOException
    {
        final ByteBuffer b = ByteBuffer.allocateDirect(record.length() * 3 + 1);
        b.put((record + "\n").getBytes(StandardCharsets.UTF_8)).flip();
        final int n = channel.write(b);
        if (b.hasRemaining())
        {
            throw new IOException("short append: " + n + " bytes of " + b.limit());
        }
    }

    /** The log's size: taken before an attempt, it orders the attempt after every record already written. */
    long size() throws IOException
    {
        return channel.size();
    }

    static String encode(final List<LockRequest.Entry> entries)
    {
        final StringJoiner j = new StringJoiner(",");
        for (final LockRequest.Entry e : entries)
        {
            final char code = e.type().code();
            j.add((e.isShared() ? Character.toLowerCase(code) : code) + e.path().toString());
        }
        return j.toString();
    }

    @Override
    public void close() throws IOException
    {
        channel.close();
    }
}
