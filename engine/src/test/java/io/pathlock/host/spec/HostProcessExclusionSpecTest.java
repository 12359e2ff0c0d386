package io.pathlock.host.spec;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mutual exclusion across real processes: two child JVMs and two threads of this JVM increment one
 * counter file by read-modify-write, each time under a random lock that meets POINT /counter (POINT,
 * SUBTREE on it or on the root, a batch, a directory move). A lost update shows two holders at once.
 */
class HostProcessExclusionSpecTest
{
    @TempDir
    Path root;

    @ParameterizedTest(name = "interop {0}")
    @ValueSource(strings = {"none", "ragfs"})
    void noUpdateIsLostAcrossProcesses(final String interop) throws Exception
    {
        Files.createDirectories(root.resolve("counter"));
        Files.createDirectories(root.resolve("other"));
        final Path counter = root.resolve("counter-value");
        final int perWorker = 300;
        final List<SpecChild> children = new ArrayList<>();
        try (HostSpec.Managers managers = new HostSpec.Managers())
        {
            final LockManager parent = managers.open(root, interop);
            for (int c = 0; c < 2; c++)
            {
                final SpecChild child = SpecChild.start(root, interop);
                children.add(child);
                child.expect("READY");
            }
            for (int c = 0; c < children.size(); c++)
            {
                children.get(c).send("count " + perWorker + " " + counter + " " + (17 + c));
            }
            final List<Throwable> failures = new ArrayList<>();
            final List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 2; t++)
            {
                final Random rnd = new Random(99 + t);
                threads.add(new Thread(() ->
                {
                    try (LockHandle h = parent.open("parent-counter"))
                    {
                        for (int i = 0; i < perWorker; i++)
                        {
                            h.acquire(HostSpecChild.counterRequest(rnd), HostSpec.GUARD);
                            HostSpecChild.increment(counter);
                            h.releaseAll();
                        }
                    }
                    catch (final Throwable e)
                    {
                        synchronized (failures)
                        {
                            failures.add(e);
                        }
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (final Thread t : threads)
            {
                t.join();
            }
            for (final SpecChild child : children)
            {
                child.expect("COUNTED");
                assertTrue(!child.transcript().contains("ERROR"), child.transcript());
                child.ask("exit", "BYE");
            }
            assertEquals(List.of(), failures);
        }
        finally
        {
            for (final SpecChild child : children)
            {
                child.close();
            }
        }
        assertEquals(Long.toString(4L * perWorker), Files.readString(counter).trim(), "updates were lost: two holders at once");
    }
}
