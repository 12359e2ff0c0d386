package io.pathlock.posix;

/**
 * {@link PosixContractTest} on {@link JniPosix}.
 */
class JniPosixTest extends PosixContractTest
{
    @Override
    Posix createPosix()
    {
        return new JniPosix();
    }
}
