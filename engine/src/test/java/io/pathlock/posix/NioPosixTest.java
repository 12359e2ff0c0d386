package io.pathlock.posix;

/**
 * {@link PosixContractTest} on {@link NioPosix}.
 */
class NioPosixTest extends PosixContractTest
{
    @Override
    Posix createPosix()
    {
        return new NioPosix();
    }
}
