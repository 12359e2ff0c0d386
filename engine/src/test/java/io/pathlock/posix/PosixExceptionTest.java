package io.pathlock.posix;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PosixExceptionTest
{
    private static final Path PATH = Path.of("/root/a/.path.ovlock");

    @Test
    void nonNegativeResultsPassThrough() throws PosixException
    {
        assertEquals(0, PosixException.check(0, "open", PATH));
        assertEquals(17, PosixException.check(17, "open", PATH));
        assertEquals(3, PosixException.check(3, "flock", 3));
    }

    @Test
    void eachDistinguishedErrnoHasItsOwnType()
    {
        assertInstanceOf(PosixException.AlreadyExists.class, thrown(-Errno.EEXIST));
        assertInstanceOf(PosixException.NoSuchFile.class, thrown(-Errno.ENOENT));
        assertInstanceOf(PosixException.AccessDenied.class, thrown(-Errno.EACCES));
        assertInstanceOf(PosixException.AccessDenied.class, thrown(-Errno.EPERM));
        assertInstanceOf(PosixException.NoSpace.class, thrown(-Errno.ENOSPC));
        assertInstanceOf(PosixException.NoSpace.class, thrown(-Errno.EDQUOT));
        assertInstanceOf(PosixException.WouldBlock.class, thrown(-Errno.EWOULDBLOCK));
        assertSame(PosixException.class, thrown(-Errno.EROFS).getClass());
        assertSame(PosixException.class, thrown(-Errno.ENOTDIR).getClass());
    }

    @Test
    void exceptionCarriesErrnoSyscallAndPath()
    {
        final PosixException ex = thrown(-Errno.EPERM);
        assertEquals(Errno.EPERM, ex.errno());
        assertEquals("EPERM", ex.errnoName());
        assertEquals("open", ex.syscall());
        assertEquals(PATH.toString(), ex.path());
        assertEquals("open(/root/a/.path.ovlock): EPERM (Operation not permitted)", ex.getMessage());
        assertInstanceOf(IOException.class, ex);

        final PosixException onFd = assertThrows(PosixException.class, () -> PosixException.check(-Errno.EBADF, "fsync", 42));
        assertEquals("fsync(fd 42): EBADF (Bad file descriptor)", onFd.getMessage());
        assertEquals("errno 200", Errno.name(200));
    }

    @Test
    void nioExceptionsMapToErrno()
    {
        assertEquals(Errno.EEXIST, NioPosix.errno(new FileAlreadyExistsException("x")));
        assertEquals(Errno.ENOENT, NioPosix.errno(new NoSuchFileException("x")));
        assertEquals(Errno.EACCES, NioPosix.errno(new AccessDeniedException("x")));
        assertEquals(Errno.EPERM, NioPosix.errno(new FileSystemException("x", null, "Operation not permitted")));
        assertEquals(Errno.EROFS, NioPosix.errno(new FileSystemException("x", null, "Read-only file system")));
        assertEquals(Errno.ENOSPC, NioPosix.errno(new IOException("No space left on device")));
        assertEquals(Errno.EMFILE, NioPosix.errno(new IOException("Too many open files")));
        assertEquals(Errno.ENFILE, NioPosix.errno(new IOException("Too many open files in system")));
        assertEquals(Errno.EIO, NioPosix.errno(new IOException("something else")));
    }

    private static PosixException thrown(final int code)
    {
        return assertThrows(PosixException.class, () -> PosixException.check(code, "open", PATH));
    }
}
