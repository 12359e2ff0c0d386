package io.pathlock.posix;

/**
 * {@link PosixAtContractTest} on {@link NioPosix}.
 */
class NioPosixAtTest extends PosixAtContractTest
{
    @Override
    Posix createPosix()
    {
        return new NioPosix();
    }
}
