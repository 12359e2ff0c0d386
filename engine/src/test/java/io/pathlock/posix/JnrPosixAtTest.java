package io.pathlock.posix;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PosixAtContractTest} on {@link JnrPosix}, with the {@code fstatat} binding a new glibc
 * gives (glibc 2.33 and later export {@code fstatat}).
 */
class JnrPosixAtTest extends PosixAtContractTest
{
    @Override
    Posix createPosix()
    {
        return new JnrPosix();
    }

    @Test
    void descriptorRelativeCallsAreBoundOnLinux()
    {
        final JnrPosix jnr = (JnrPosix)posix;
        assertTrue(jnr.hasAtCalls(), "x86-64 / aarch64 Linux binds every *at call");
        assertNotEquals("none", jnr.fstatatBinding(), "fstatat (glibc 2.33+) or __fxstatat (older)");
    }
}
