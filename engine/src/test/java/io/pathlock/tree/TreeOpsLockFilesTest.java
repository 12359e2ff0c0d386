package io.pathlock.tree;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockRequest;
import io.pathlock.file.FileLockStore;
import io.pathlock.file.MissingDirectories;
import io.pathlock.tree.TreeOpsFixture.Store;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.pathlock.tree.TreeOpsFixture.hash;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** No lock file travels with moved data; the lock-file store keeps a delete's locks while it runs. */
class TreeOpsLockFilesTest
{
    @TempDir
    Path dir;

    private static final String STALE_OURS = "pl1|1|h|0000000000000000|gone:1:P";
    private static final String STALE_OPENVIKING = "openviking-abc:1:T";

    @Test
    void staleLockFilesDoNotTravelWithAMovedDirectory() throws Exception
    {
        for (final Store store : Store.values())
        {
            for (final MoveStrategy strategy : MoveStrategy.values())
            {
                final Path sub = Files.createDirectories(dir.resolve(store + "-" + strategy));
                try (TreeOpsFixture f = new TreeOpsFixture(sub, store, b -> b.moveStrategy(strategy)))
                {
                    f.put("/s/f", "f");
                    f.put("/s/sub/g", "g");
                    f.mkdirs("/t");
                    f.put("/s/.path.ovlock", STALE_OURS);
                    f.put("/s/sub/.path.ovlock", STALE_OPENVIKING);
                    f.put("/s/.exact.ovlock.f.0123456789abcdef", STALE_OURS);
                    f.put("/s/sub/.g.path.ovlock", STALE_OPENVIKING);
                    f.ops.move("/s", "/t/s");
                    final Map<String, String> expected = new TreeMap<>();
                    expected.put("/t", "D");
                    expected.put("/t/s", "D");
                    expected.put("/t/s/f", "F:" + hash("f"));
                    expected.put("/t/s/sub", "D");
                    expected.put("/t/s/sub/g", "F:" + hash("g"));
                    assertEquals(expected, f.all(), store + ", " + strategy + ": no lock file travelled");
                }
            }
        }
    }

    @Test
    void noLockFileTravelsWhileOtherLocksAreHeldBesideTheMove() throws Exception
    {
        // live locks of another owner outside the moved tree stay; the mover's own lock files do not travel
        for (final MoveStrategy strategy : MoveStrategy.values())
        {
            final Path sub = Files.createDirectories(dir.resolve("live-" + strategy));
            try (TreeOpsFixture f = new TreeOpsFixture(sub, Store.FILE, b -> b.moveStrategy(strategy)))
            {
                f.put("/s/f", "f");
                f.put("/s/d/g", "g");
                f.put("/other/h", "h");
                f.mkdirs("/t");
                try (LockHandle other = f.locks.lock(LockRequest.point("/other")))
                {
                    f.ops.move("/s", "/t/s");
                    f.ops.move("/t/s/d", "/t/d2");
                    assertTrue(Files.exists(f.file("/other/.path.ovlock")), "the other owner's lock file stays");
                    assertTrue(other.isValid());
                }
                assertEquals(List.of(), lockFiles(f.root), strategy.name());
            }
        }
    }

    @Test
    void theHeartbeatKeepsTheLocksOfADeleteWhoseDirectoryWentToTrash() throws Exception
    {
        final CountDownLatch paused = new CountDownLatch(1);
        final CountDownLatch resume = new CountDownLatch(1);
        // step 3 of a delete is the removal of the trash: the directory holding SUBTREE(/d)'s lock file is renamed
        try (TreeOpsFixture f = new TreeOpsFixture(dir, Store.FILE,
            b -> b.stepListener(TreeOpsTest.pauseAt("delete", 3, paused, resume)));
             LockManager other = LockManager.builder().startAgent(false)
                 .store(FileLockStore.builder(f.root).missingDirectories(MissingDirectories.FAIL).build()).build())
        {
            f.put("/d/x/y", "y");
            f.put("/e", "e");
            final CompletableFuture<TreeResult> delete = CompletableFuture.supplyAsync(() -> TreeOpsTest.call(() ->
                f.ops.delete("/d")));
            assertTrue(paused.await(30, TimeUnit.SECONDS));
            final List<Path> held = lockFiles(f.root);
            assertEquals(1, held.stream().filter(p -> p.toString().contains(TreeOps.TEMP_PREFIX)).count(),
                "SUBTREE(/d)'s lock file is in the trash: " + held);
            f.locks.runMaintenance();
            f.locks.runMaintenance();
            assertEquals(held, lockFiles(f.root), "the heartbeat refreshed the lock files where they are");
            try (LockHandle h = other.tryLock(LockRequest.point("/")))
            {
                assertNull(h, "POINT / of the delete is still held after the heartbeat");
            }
            resume.countDown();
            delete.get(30, TimeUnit.SECONDS);
            assertEquals(Map.of("/e", "F:" + hash("e")), f.all());
        }
    }

    static List<Path> lockFiles(final Path root) throws IOException
    {
        try (Stream<Path> s = Files.walk(root))
        {
            return s.filter(p -> !root.relativize(p).startsWith(".pathlock"))
                .filter(p -> TreeFs.isLockFileName(p.getFileName().toString()))
                .map(root::relativize).sorted().toList();
        }
    }
}
