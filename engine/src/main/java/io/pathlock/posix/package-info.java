/**
 * POSIX file-system access for the lock-file store: one {@link io.pathlock.posix.Posix} interface
 * and three backends, JNI over {@code libpathlock.so} ({@link io.pathlock.posix.JniPosix}),
 * jnr-posix ({@link io.pathlock.posix.JnrPosix}) and java.nio ({@link io.pathlock.posix.NioPosix}),
 * chosen at start by {@link io.pathlock.posix.PosixBackends}.
 *
 * <p>Calls return codes, not exceptions: a non-negative result on success and {@code -errno} (Linux
 * numbers, see {@link io.pathlock.posix.Errno}) on failure, as the C library does, so that an
 * expected outcome on the hot path ({@code EEXIST} from an exclusive create, {@code EWOULDBLOCK} from
 * a non-blocking {@code flock}) costs no exception. {@link io.pathlock.posix.PosixException#check}
 * is the one place where a code becomes an exception, for callers that want one.
 *
 * <p>Dependencies: {@code io.pathlock.nativeio} (the JNI binding), jnr-posix / jnr-ffi /
 * jnr-constants, and the JDK. Nothing else in the engine; the lock-file store depends on this
 * package, never the reverse.
 */
package io.pathlock.posix;
