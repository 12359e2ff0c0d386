package io.pathlock.posix;

/**
 * {@link PosixContractTest} on {@link JnrPosix}.
 */
class JnrPosixTest extends PosixContractTest
{
    @Override
    Posix createPosix()
    {
        return new JnrPosix();
    }
}
