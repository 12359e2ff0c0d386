package io.pathlock.posix;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PosixContractTest} on {@link NioPosix}, plus the parts of its lock emulation that the
 * contract does not cover.
 */
class NioPosixTest extends PosixContractTest
{
    @Override
    Posix createPosix()
    {
        return new NioPosix();
    }

    /**
     * fcntl locks belong to the process and are dropped when any descriptor of the file is closed;
     * NioPosix defers those closes while the file is locked. Without that, the child would get the
     * lock after the second open/close below.
     */
    @Test
    void closingAnotherDescriptorOfALockedFileKeepsTheLockAgainstOtherProcesses() throws Exception
    {
        final Path lock = dir.resolve(LOCK_NAME);
        final int baseline = NioPosix.openDescriptorCount();
        final int holder = posix.createExclusive(lock, TOKEN, TOKEN.length, 0644, Posix.CREATE_LOCK_EXCLUSIVE);
        assertTrue(holder >= 0);

        final int other = posix.openRead(lock);
        assertEquals(0, posix.close(other));
        assertEquals(TOKEN.length, posix.readFile(lock, new byte[128]));

        final ChildJvm.Result held = ChildJvm.run(List.of(), List.of(), PosixChild.class, "lock", "NIO", lock.toString());
        assertTrue(held.output().contains("rc=" + (-Errno.EWOULDBLOCK)), held.output());

        assertEquals(0, posix.close(holder));
        assertEquals(baseline, NioPosix.openDescriptorCount(), "no descriptor leaked");
        final ChildJvm.Result free = ChildJvm.run(List.of(), List.of(), PosixChild.class, "lock", "NIO", lock.toString());
        assertTrue(free.output().contains("rc=0"), free.output());
    }

    @Test
    void convertingALockReleasesTheOldOneFirstAsFlockDoes()
    {
        final Path lock = dir.resolve(LOCK_NAME);
        final int a = posix.createExclusive(lock, TOKEN, TOKEN.length, 0644, 0);
        final int b = posix.openRead(lock);
        try
        {
            assertEquals(0, posix.flock(a, Posix.LOCK_SH | Posix.LOCK_NB));
            assertEquals(0, posix.flock(b, Posix.LOCK_SH | Posix.LOCK_NB));
            assertEquals(-Errno.EWOULDBLOCK, posix.flock(a, Posix.LOCK_EX | Posix.LOCK_NB));
            assertEquals(0, posix.flock(b, Posix.LOCK_EX | Posix.LOCK_NB),
                "a's failed upgrade dropped its shared lock, as flock(2) on Linux does");
            assertEquals(0, posix.flock(b, Posix.LOCK_SH | Posix.LOCK_NB), "downgrade");
            assertEquals(0, posix.flock(a, Posix.LOCK_SH | Posix.LOCK_NB));
        }
        finally
        {
            posix.close(a);
            posix.close(b);
        }
    }

    @Test
    void unknownDescriptorsAndOperationsAreRejected()
    {
        assertEquals(-Errno.EBADF, posix.flock(NioPosix.FIRST_FD - 1, Posix.LOCK_EX));
        final int fd = posix.openRead(dir);
        try
        {
            assertEquals(-Errno.EINVAL, posix.flock(fd, 3));
        }
        finally
        {
            posix.close(fd);
        }
        assertEquals(-Errno.EBADF, posix.close(fd));
    }
}
