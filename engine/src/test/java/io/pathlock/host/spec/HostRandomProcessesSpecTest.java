package io.pathlock.host.spec;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockMode;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random POINT/SUBTREE, shared/exclusive batches from two child JVMs and this JVM (two threads each),
 * every grant and release appended to one O_APPEND log, replayed afterwards against the hand-written
 * matrix ({@link SpecMatrix}): a grant logged while a conflicting lock of another owner was logged
 * held is two holders at once. Optionally the children kill themselves at random steps of acquire and
 * release; every batch of this JVM must still be granted.
 */
class HostRandomProcessesSpecTest
{
    @TempDir
    Path root;

    @ParameterizedTest(name = "interop {0}, children crash: {1}")
    // file-ragfs: the same workload on the lock-file store alone, a control for ragfs.
    @CsvSource({"none,false", "none,false", "none,true", "ragfs,false", "ragfs,true", "file-ragfs,false"})
    void randomBatchesOfThreeProcessesNeverOverlap(final String interop, final boolean crash) throws Exception
    {
        final Path log = root.resolve("grants.log");
        final int rounds = 150;
        final List<SpecChild> children = new ArrayList<>();
        final List<String> opts = crash ? List.of("-Dpathlock.host.crashAt=random:5") : List.of();
        try (HostSpec.Managers managers = new HostSpec.Managers())
        {
            final LockManager parent = managers.open(root, interop);
            for (int c = 0; c < 2; c++)
            {
                children.add(SpecChild.start(List.of(), opts, root.toString(), interop));
            }
            for (int c = 0; c < children.size(); c++)
            {
                if (children.get(c).expectUnlessEnded("READY") != null)
                {
                    children.get(c).send("batches " + rounds + " " + log + " " + (31 + c));
                    children.get(c).send("exit");
                }
            }
            final List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 2; t++)
            {
                final Random rnd = new Random(5 + t);
                final String tag = "p" + t;
                threads.add(new Thread(() -> HostSpecChild.loggedBatches(parent, rounds, log, rnd, tag)));
            }
            threads.forEach(Thread::start);
            for (final Thread t : threads)
            {
                t.join();
            }
            final List<Integer> exits = new ArrayList<>();
            for (final SpecChild c : children)
            {
                exits.add(c.waitFor());
            }
            // Every child has ended: leaked pending marks of this JVM's session would refuse a fresh session's tryLock (tryLock respects marks).
            final LockManager fresh = managers.open(root, interop);
            final StringBuilder marks = new StringBuilder();
            for (final String p : HostSpecChild.CHURN_PATHS)
            {
                try (LockHandle h = fresh.open("probe"))
                {
                    if (!h.tryLock(LockRequest.point(p)))
                    {
                        marks.append(p).append(' ');
                    }
                }
                catch (final io.pathlock.core.LockException e)
                {
                    marks.append(p).append(":").append(e.getMessage()).append(' ');
                }
            }
            for (int ci = 0; ci < children.size(); ci++)
            {
                final SpecChild c = children.get(ci);
                final int exit = exits.get(ci);
                assertTrue(!c.transcript().contains("ERROR batches"), () -> c.transcript() + "\n" + tableState() + "\npaths a fresh session could not take after this JVM's threads ended: " + marks);
                if (!crash)
                {
                    assertEquals(0, exit, c.transcript());
                }
            }
            assertEquals("", marks.toString().trim(), "after every process ended, a fresh session is refused these paths (leaked marks?)");
            final List<String> lines = Files.readAllLines(log);
            final int parentGrants = (int)lines.stream().filter(l -> l.startsWith("G p")).count();
            assertEquals(2 * rounds, parentGrants, "this JVM's batches were not all granted");
            replay(lines);
            try (LockHandle all = parent.lock(LockRequest.subtree("/"), HostSpec.GUARD))
            {
                assertNotNull(all);
            }
        }
        finally
        {
            for (final SpecChild c : children)
            {
                c.kill();
            }
        }
    }

    /** The table's holds and slots now, for a failure message. */
    private String tableState()
    {
        try (io.pathlock.host.HostTable t = io.pathlock.host.HostLockStore.openTable(root))
        {
            return t == null ? "no table" : "table locks " + t.locks() + "\nslots " + t.slots();
        }
        catch (final RuntimeException e)
        {
            return "table state unavailable: " + e;
        }
    }

    private record Held(String path, LockType type, LockMode mode)
    {
    }

    /** Replays the log: every grant against every lock other owners hold at that point of the log. */
    static void replay(final List<String> lines)
    {
        // A grant that its owner never released in the log belongs to a child killed meanwhile (the
        // crash hook of one thread kills the process while another thread is between "G" and "R"):
        // its end is unknown, so it is checked against the others but not kept as held.
        final Map<String, Integer> lastLine = new HashMap<>();
        for (int k = 0; k < lines.size(); k++)
        {
            lastLine.put(lines.get(k).split(" ", 3)[1], k);
        }
        final Map<String, List<Held>> active = new HashMap<>();
        for (int k = 0; k < lines.size(); k++)
        {
            final String line = lines.get(k);
            final String[] f = line.split(" ", 3);
            if (f[0].equals("R"))
            {
                active.remove(f[1]);
                continue;
            }
            final List<Held> mine = new ArrayList<>();
            for (final String e : f[2].split(";"))
            {
                if (e.isEmpty())
                {
                    continue;
                }
                mine.add(new Held(e.substring(2), e.charAt(0) == 'T' ? LockType.SUBTREE : LockType.POINT,
                    e.charAt(1) == 's' ? LockMode.SHARED : LockMode.EXCLUSIVE));
            }
            for (final Map.Entry<String, List<Held>> other : active.entrySet())
            {
                for (final Held h : other.getValue())
                {
                    for (final Held m : mine)
                    {
                        assertTrue(!SpecMatrix.conflicts(h.path(), h.type(), h.mode(), m.path(), m.type(), m.mode()),
                            "line " + (k + 1) + ": " + f[1] + " granted " + m + " while " + other.getKey() + " holds " + h);
                    }
                }
            }
            if (lastLine.get(f[1]) != k)
            {
                active.put(f[1], mine);
            }
        }
    }
}
