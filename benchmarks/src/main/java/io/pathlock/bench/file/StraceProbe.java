package io.pathlock.bench.file;

import io.pathlock.core.LockRequest;
import io.pathlock.bench.posix.BenchDirs;
import io.pathlock.file.Dialect;
import io.pathlock.file.FileLockStore;
import io.pathlock.store.LockStore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Not a benchmark: the program whose {@code strace} the C floors of {@link FileStoreBenchmark} and
 * {@link FileStoreSubtreeBenchmark} are checked against. Warms up, then does one uncontended POINT
 * acquire + token + release of {@code /a/b/c/d} and one SUBTREE of {@code /tree} (10 x 10 x 1
 * directories), each between two marker {@code faccessat} calls on {@code /PATHLOCK-MARK-...} so
 * that the excerpt is easy to cut out of the trace:
 *
 * <pre>
 * strace -f -e trace=%file,%desc,flock -o /tmp/probe.strace \
 *     java -cp benchmarks/target/benchmarks.jar io.pathlock.bench.file.StraceProbe --dir DIR --backend jni --dialect ragfs
 * sed -n '/MARK-point-begin/,/MARK-point-end/p' /tmp/probe.strace
 * </pre>
 *
 * <p>Then, on the same root, the C floors once each ({@code floor-point}, {@code floor-subtree},
 * {@code floor-walk}), so that the two traces can be compared call by call (descriptor numbers,
 * the temporary name and the token aside).
 */
public final class StraceProbe
{
    private StraceProbe()
    {
    }

    /**
     * Entry point.
     *
     * @param args {@code --dir DIR --backend B --dialect D}.
     */
    public static void main(final String[] args) throws Exception
    {
        String dir = System.getProperty("java.io.tmpdir");
        String backend = "jni";
        String dialect = "ragfs";
        for (int i = 0; i + 1 < args.length; i += 2)
        {
            switch (args[i])
            {
                case "--dir" -> dir = args[i + 1];
                case "--backend" -> backend = args[i + 1];
                case "--dialect" -> dialect = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        System.setProperty(BenchDirs.DIR_PROP_NAME, dir);
        final Path root = FileStoreSubtreeBenchmark.createTree("pathlock-strace-", 100);
        Files.createDirectories(root.resolve("a/b/c/d"));
        try (FileLockStore s = FileLockStore.builder(root).backend(backend).dialect(Dialect.parse(dialect)).syncFence(false)
            .build())
        {
            final List<LockRequest.Entry> point = LockRequest.point(FileStoreBenchmark.PATH).entries();
            final List<LockRequest.Entry> subtree = LockRequest.subtree("/tree").entries();
            for (int i = 0; i < 2000; i++)
            {
                once(s, point);
                if (i % 20 == 0)
                {
                    once(s, subtree);
                }
            }
            mark("point-begin");
            once(s, point);
            mark("point-end");
            mark("subtree-begin");
            once(s, subtree);
            mark("subtree-end");
            // the floors, once each, on the same root (the store holds no file now)
            final Dialect d = Dialect.parse(dialect);
            final FloorPlan pf = FloorPlan.of(s, FileStoreBenchmark.PATH, io.pathlock.core.LockType.POINT, d);
            final FloorPlan sf = FloorPlan.of(s, "/tree", io.pathlock.core.LockType.SUBTREE, d);
            pf.sequence(200);
            sf.sequence(5);
            mark("floor-point-begin");
            check(pf.sequence(1));
            mark("floor-point-end");
            mark("floor-subtree-begin");
            check(sf.sequence(1));
            mark("floor-subtree-end");
            mark("floor-walk-begin");
            if (sf.walk(1) != 0)
            {
                throw new IllegalStateException("walk floor found a lock file");
            }
            mark("floor-walk-end");
            System.out.println("plan POINT: " + s.plan(FileStoreBenchmark.PATH, io.pathlock.core.LockType.POINT));
            System.out.println("plan SUBTREE: " + s.plan("/tree", io.pathlock.core.LockType.SUBTREE));
        }
        finally
        {
            BenchDirs.delete(root);
        }
    }

    private static void once(final FileLockStore s, final List<LockRequest.Entry> entries)
    {
        final LockStore.PublishResult r = s.tryPublish("probe@1.1.1", entries);
        if (!r.isGranted())
        {
            throw new IllegalStateException("refused: " + r.conflict());
        }
        s.nextFencingToken();
        s.unpublish(r.publication());
    }

    private static void check(final long n)
    {
        if (n != 1)
        {
            throw new IllegalStateException("floor failed: " + n);
        }
    }

    private static void mark(final String what)
    {
        Files.exists(Path.of("/PATHLOCK-MARK-" + what));
    }
}
