package io.pathlock.posix;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PosixAtContractTest} on {@link NioPosix}, plus the parts of its emulation that the contract
 * does not cover (the gaps in its class comment).
 */
class NioPosixAtTest extends PosixAtContractTest
{
    @Override
    Posix createPosix()
    {
        return new NioPosix();
    }

    /** Gap 3: device and inode come from the fileKey text when the path-based read disagrees. */
    @Test
    void fileKeyTextGivesDeviceAndInode() throws Exception
    {
        final Path file = Files.write(dir.resolve("file"), TOKEN);
        final long[] key = NioPosix.fileKey(Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
        assertArrayEquals(new long[] {
            (Long)Files.getAttribute(file, "unix:dev"), (Long)Files.getAttribute(file, "unix:ino") }, key);
    }

    /** Gap 1: linkAt and mkdirAt go by path, so they refuse once the path no longer names the directory. */
    @Test
    void pathBasedCallsRefuseAStaleDirectoryWhileRelativeOnesStillWork()
    {
        bounded(() ->
        {
            Files.createDirectory(dir.resolve("a"));
            Files.write(dir.resolve("a/tmp"), TOKEN);
            final int root = posix.openDirectory(dir);
            final int a = posix.openDirAt(root, b("a"));
            try
            {
                Files.move(dir.resolve("a"), dir.resolve("moved"));
                Files.createDirectory(dir.resolve("a"));
                assertEquals(-Errno.ESTALE, posix.linkAt(a, b("tmp"), a, b("lock")));
                assertEquals(-Errno.ESTALE, posix.mkdirAt(a, b("sub"), 0755));
                assertFalse(Files.exists(dir.resolve("a/lock")));
                assertFalse(Files.exists(dir.resolve("a/sub")));
                assertEquals(0, posix.renameAt(a, b("tmp"), a, b("renamed")), "renameat follows the descriptor");
                assertTrue(Files.exists(dir.resolve("moved/renamed")));
                assertEquals(0, posix.unlinkAt(a, b("renamed")));
                assertFalse(Files.exists(dir.resolve("moved/renamed")));
            }
            finally
            {
                posix.close(a);
                posix.close(root);
            }
        });
    }

    @Test
    void directoryDescriptorsAreCountedAndReleased()
    {
        bounded(() ->
        {
            Files.createDirectories(dir.resolve("x/y"));
            final int baseline = NioPosix.openDescriptorCount();
            final int root = posix.openDirectory(dir);
            final int x = posix.openDirAt(root, b("x"));
            assertEquals(baseline + 2, NioPosix.openDescriptorCount());
            final PosixStat st = new PosixStat();
            assertEquals(0, posix.fstat(x, st));
            assertTrue(st.isDirectory());
            assertEquals((Long)Files.getAttribute(dir.resolve("x"), "unix:ino"), st.ino());
            assertEquals(0, posix.fsync(x));
            assertEquals(-Errno.EBADF, posix.flock(x, Posix.LOCK_SH));
            assertEquals(0, posix.walkAt(root, null, null, null, new Recorder()));
            assertEquals(0, posix.close(x));
            assertEquals(0, posix.close(root));
            assertEquals(-Errno.EBADF, posix.close(root));
            assertEquals(baseline, NioPosix.openDescriptorCount());
        });
    }
}
