package io.pathlock.bench.posix;

import io.pathlock.posix.JniPosix;
import io.pathlock.posix.JnrPosix;
import io.pathlock.posix.NioPosix;
import io.pathlock.posix.Posix;

/**
 * The backends as a JMH {@code @Param}.
 */
public enum BackendKind
{
    /** {@link JniPosix}. */
    JNI,

    /** {@link JnrPosix}. */
    JNR,

    /** {@link NioPosix}. */
    NIO;

    /**
     * Creates the backend.
     *
     * @return a new instance.
     */
    public Posix create()
    {
        switch (this)
        {
            case JNI:
                return new JniPosix();
            case JNR:
                return new JnrPosix();
            default:
                return new NioPosix();
        }
    }
}
