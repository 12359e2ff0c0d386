package io.pathlock.tree;

import io.pathlock.LockManager;
import io.pathlock.file.FileLockStore;
import io.pathlock.file.MissingDirectories;
import io.pathlock.host.HostLockStore;
import io.pathlock.redo.RedoLog;
import io.pathlock.redo.RedoLogConfig;
import io.pathlock.store.LockStore;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A child JVM of {@link TreeOracleTest}: opens a store on the root (its own manager, redo log and
 * {@link TreeOps}), prints {@code ready}, waits for the line {@code go} on stdin (so that every process
 * starts together, without sleeping), runs its threads' random operations, writes the records to a
 * file (one {@link TreeOracle.Rec#encode()} per line) and prints {@code done}.
 *
 * <p>Arguments: {@code store root name threads count seed out redo}; store is {@code file} (lock-file store,
 * {@link MissingDirectories#FAIL}), {@code file-create} (the same with
 * {@link MissingDirectories#CREATE}, the store's default) or {@code host} (host-table store, interop
 * {@code none}); redo is
 * the process's own redo directory.
 */
public final class TreeOracleChild
{
    private TreeOracleChild()
    {
    }

    /**
     * @param args see the class comment.
     * @throws Exception on any failure (the parent shows the output).
     */
    public static void main(final String[] args) throws Exception
    {
        final String kind = args[0];
        final Path root = Path.of(args[1]);
        final String name = args[2];
        final int threads = Integer.parseInt(args[3]);
        final int count = Integer.parseInt(args[4]);
        final long seed = Long.parseLong(args[5]);
        final Path out = Path.of(args[6]);
        final LockStore store = "file".equals(kind)
            ? FileLockStore.builder(root).missingDirectories(MissingDirectories.FAIL).build()
            : "file-create".equals(kind)
            ? FileLockStore.builder(root).missingDirectories(MissingDirectories.CREATE).build()
            : HostLockStore.builder(root).interop("none").build();
        final Path redoDir = Path.of(args[7]);
        final RedoLog redo = RedoLog.open(new RedoLogConfig().directory(redoDir));
        // The manager closes the store and the redo log.
        try (LockManager locks = LockManager.builder().store(store).redoLog(redo)
                 .defaultTimeout(TreeOracle.TIMEOUT).build();
             TreeOps ops = TreeOps.builder(locks, root).timeout(TreeOracle.TIMEOUT)
                 .durability(TreeDurability.NONE).build())
        {
            ops.recovery().join();
            System.out.println("ready");
            final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            final String go = in.readLine();
            if (!"go".equals(go))
            {
                throw new IllegalStateException("expected go, read " + go);
            }
            final List<List<TreeOracle.Rec>> results = new ArrayList<>();
            final List<Throwable> errors = new ArrayList<>();
            final CountDownLatch start = new CountDownLatch(1);
            final List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++)
            {
                final String worker = name + "t" + t;
                final long workerSeed = seed * 31 + t;
                final List<TreeOracle.Rec> mine = new ArrayList<>();
                results.add(mine);
                final Thread th = new Thread(() ->
                {
                    try
                    {
                        start.await();
                        mine.addAll(TreeOracle.runWorker(TreeOracle.of(ops), root, worker, workerSeed, count));
                    }
                    catch (final Throwable e)
                    {
                        synchronized (errors)
                        {
                            errors.add(e);
                        }
                    }
                }, worker);
                workers.add(th);
                th.start();
            }
            start.countDown();
            for (final Thread th : workers)
            {
                th.join();
            }
            if (!errors.isEmpty())
            {
                throw new IllegalStateException("a worker failed", errors.get(0));
            }
            try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out, StandardCharsets.UTF_8)))
            {
                for (final List<TreeOracle.Rec> l : results)
                {
                    for (final TreeOracle.Rec r : l)
                    {
                        w.println(r.encode());
                    }
                }
            }
            System.out.println("done");
        }
    }
}
