/**
 * pathlock's engine: path locks for the threads and processes of one host, OpenViking-compatible
 * lock files, fencing tokens and a group-committed redo log.
 *
 * <p>Exported packages are the API: the facade ({@link io.pathlock.LockManager},
 * {@link io.pathlock.LockHandle}), the value types and exceptions ({@code io.pathlock.core}), the
 * store SPI and the in-memory store ({@code io.pathlock.store}), the lock-file store
 * ({@code io.pathlock.file}), the redo log ({@code io.pathlock.redo}), snapshots and counters
 * ({@code io.pathlock.observe}), the clock types ({@code io.pathlock.time}) and the configuration
 * convention ({@code io.pathlock.config}). The lock table, the POSIX backends, the redo byte formats
 * and the observer callbacks are internal and not exported.
 *
 * <p>jnr-posix is optional ({@code requires static}). On the module path it cannot serve the
 * lock-file store (jnr-ffi generates its bindings in an unnamed module, which cannot implement the
 * engine's internal interfaces): the backend selection reports it unavailable with that reason and
 * the store runs the JNI backend, or java.nio, and logs why.
 */
module io.pathlock {
    requires io.pathlock.nativeio;
    requires org.agrona.core;
    // Agrona 1.x uses sun.misc.Unsafe; as an automatic module it cannot say so, and without this
    // line jdk.unsupported is not in the module graph (NoClassDefFoundError: sun/misc/Unsafe).
    requires jdk.unsupported;
    requires jdk.jfr;

    requires static org.jnrproject.posix;
    requires static org.jnrproject.ffi;
    requires static org.jnrproject.constants;

    exports io.pathlock;
    exports io.pathlock.core;
    exports io.pathlock.config;
    exports io.pathlock.time;
    exports io.pathlock.store;
    exports io.pathlock.file;
    exports io.pathlock.redo;
    exports io.pathlock.observe;
    exports io.pathlock.host;
    exports io.pathlock.tree;

    exports io.pathlock.baseline to io.pathlock.cli;
}
