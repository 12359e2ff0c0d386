package io.pathlock.posix;

/**
 * {@link PosixAtContractTest} on {@link JniPosix}.
 */
class JniPosixAtTest extends PosixAtContractTest
{
    @Override
    Posix createPosix()
    {
        return new JniPosix();
    }
}
