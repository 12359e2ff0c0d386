package io.pathlock.posix;

/**
 * {@link PosixAtContractTest} on {@link JnrPosix}.
 */
class JnrPosixAtTest extends PosixAtContractTest
{
    @Override
    Posix createPosix()
    {
        return new JnrPosix();
    }
}
