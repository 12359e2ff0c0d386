package io.pathlock.bench.tree;

import io.pathlock.tree.TreeOps;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The benchmark's operations, outside JMH: each does what its row claims and leaves the tree the check
 * at the end of a trial accepts; the check refuses a tree a wrong operation would leave (a figure of a
 * wrong operation measures nothing).
 */
class TreeOpsBenchmarkTest
{
    /** A directory's own lock file (the lock-file store's directory form, {@code LockLayout}). */
    private static final String DIR_LOCK_NAME = ".path.ovlock";

    private final TreeOpsBenchmark bench = new TreeOpsBenchmark();

    private static TreeOpsBenchmark.Plain plain(final String durability) throws IOException
    {
        final TreeOpsBenchmark.Plain p = new TreeOpsBenchmark.Plain();
        p.durability = durability;
        p.open();
        return p;
    }

    @Test
    void theJdkBaselinesWriteAndMoveBackAndForth() throws IOException
    {
        for (final String d : new String[] {"NONE", "DATA_AND_DIRECTORY"})
        {
            final TreeOpsBenchmark.Plain p = plain(d);
            final Path root = p.root;
            Files.write(p.file(TreeOpsBenchmark.WRITE_PATH), new byte[] {1, 2, 3});
            bench.filesWrite(p);
            assertArrayEquals(p.data, Files.readAllBytes(p.file(TreeOpsBenchmark.WRITE_PATH)), d);
            Files.write(p.file(TreeOpsBenchmark.WRITE_PATH), new byte[] {1, 2, 3});
            bench.safeWrite(p);
            assertArrayEquals(p.data, Files.readAllBytes(p.file(TreeOpsBenchmark.WRITE_PATH)), d);
            bench.filesMove(p);
            assertTrue(Files.isDirectory(p.file(TreeOpsBenchmark.MOVE_B)), d);
            assertFalse(Files.exists(p.file(TreeOpsBenchmark.MOVE_A)), d);
            bench.filesMove(p);
            bench.filesMove(p);
            p.close();
            assertFalse(Files.exists(root), d + ": the trial deletes its root");
        }
    }

    @Test
    void theTrialCheckRefusesATravelledLockFileALostFileATemporaryOrAShortWrite() throws IOException
    {
        final TreeOpsBenchmark.Plain lockFile = plain("NONE");
        bench.filesMove(lockFile);
        Files.createFile(lockFile.file(TreeOpsBenchmark.MOVE_B).resolve(DIR_LOCK_NAME));
        final Path root = lockFile.root;
        final IllegalStateException e = assertThrows(IllegalStateException.class, lockFile::close);
        assertTrue(e.getMessage().contains(DIR_LOCK_NAME), e.getMessage());
        assertFalse(Files.exists(root), "the root is deleted even when the check fails");

        final TreeOpsBenchmark.Plain lost = plain("NONE");
        Files.delete(lost.file(TreeOpsBenchmark.MOVE_A).resolve("f3.dat"));
        assertThrows(IOException.class, lost::close);

        final TreeOpsBenchmark.Plain both = plain("NONE");
        Files.createDirectories(both.file(TreeOpsBenchmark.MOVE_B));
        assertThrows(IllegalStateException.class, both::close, "a copy at both places");

        final TreeOpsBenchmark.Plain temp = plain("NONE");
        Files.createFile(temp.file("/done").resolve(TreeOps.TEMP_PREFIX + "1.batch"));
        assertTrue(assertThrows(IllegalStateException.class, temp::close).getMessage().contains("temporary"));

        final TreeOpsBenchmark.Plain shortWrite = plain("NONE");
        Files.write(shortWrite.file(TreeOpsBenchmark.WRITE_PATH), new byte[] {1});
        assertThrows(IllegalStateException.class, shortWrite::close);
    }

    /** Through TreeOps on every store: needs tree-core's implementation of io.pathlock.tree. */
    @Test
    void treeOpsWritesAndMovesOnEveryStore() throws Exception
    {
        for (final String store : TreeStores.NAMES)
        {
            for (final String d : new String[] {"NONE", "DATA_AND_DIRECTORY"})
            {
                final TreeOpsBenchmark.Tree t = new TreeOpsBenchmark.Tree();
                t.store = store;
                t.durability = d;
                t.open();
                Files.write(t.file(TreeOpsBenchmark.WRITE_PATH), new byte[] {1, 2, 3});
                bench.write(t);
                assertArrayEquals(t.data, Files.readAllBytes(t.file(TreeOpsBenchmark.WRITE_PATH)), store + " " + d);
                bench.move(t);
                assertTrue(Files.isDirectory(t.file(TreeOpsBenchmark.MOVE_B)), store + " " + d);
                bench.move(t);
                bench.move(t);
                t.close();
            }
        }
    }
}
