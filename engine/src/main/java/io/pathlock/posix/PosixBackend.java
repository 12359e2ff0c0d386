package io.pathlock.posix;

/**
 * The implementations of {@link Posix}, best first: the order in which
 * {@link PosixBackends#select()} tries them.
 */
public enum PosixBackend
{
    /** {@link JniPosix}: {@code libpathlock.so} through JNI. Linux x86-64 only. */
    JNI,

    /** {@link JnrPosix}: jnr-posix's native binding to libc. */
    JNR,

    /** {@link NioPosix}: java.nio only; weaker locking, see {@link NioPosix}. Always available. */
    NIO
}
