package io.pathlock.posix;

import org.junit.jupiter.api.BeforeEach;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link PosixAtContractTest} on {@link JnrPosix} bound to {@code __fxstatat}, the only
 * {@code fstatat} that glibc before 2.33 exports. Skipped where this libc does not export it
 * (glibc keeps it as a compatibility symbol; musl never had it).
 */
class JnrLegacyFstatatPosixAtTest extends PosixAtContractTest
{
    @Override
    Posix createPosix()
    {
        return new JnrPosix(true);
    }

    @BeforeEach
    void requireLegacyBinding()
    {
        assumeTrue("__fxstatat".equals(((JnrPosix)posix).fstatatBinding()), "__fxstatat not exported here");
    }
}
