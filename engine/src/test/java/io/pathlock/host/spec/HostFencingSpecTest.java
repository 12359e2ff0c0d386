package io.pathlock.host.spec;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.LockRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fencing tokens (DESIGN §2, issue 12): every grant's token is greater than that of every grant
 * that happened before it on the root, across sessions in one JVM, across a child JVM, and across
 * closing and reopening the stores.
 */
class HostFencingSpecTest
{
    @TempDir
    Path root;

    private long last = 0;
    private final List<String> history = new ArrayList<>();

    private void next(final long token, final String who)
    {
        history.add(who + "=" + token);
        assertTrue(token > last, "token " + token + " of " + who + " is not above " + last + "; history " + history);
        last = token;
    }

    private void grantAndCheck(final LockManager m, final String path, final String who)
    {
        try (LockHandle h = m.tryLock(LockRequest.point(path)))
        {
            assertTrue(h != null, who + " refused " + path);
            next(h.fencingToken(path), who);
        }
    }

    @ParameterizedTest(name = "interop {0}")
    @ValueSource(strings = {"none", "ragfs"})
    void tokensStrictlyIncreaseAcrossSessionsAndReopens(final String interop) throws Exception
    {
        for (int generation = 0; generation < 3; generation++)
        {
            try (HostSpec.Managers managers = new HostSpec.Managers())
            {
                final LockManager a = managers.open(root, interop);
                final LockManager b = managers.open(root, interop);
                for (int i = 0; i < 50; i++)
                {
                    // The same path (conflicting grants) and unrelated paths (grants ordered only by time).
                    grantAndCheck(a, "/f", "A" + generation);
                    grantAndCheck(b, "/f", "B" + generation);
                    grantAndCheck(a, "/x" + i, "A" + generation);
                    grantAndCheck(b, "/y" + i, "B" + generation);
                }
            }
        }
    }

    @Test
    void tokensStrictlyIncreaseAcrossAChildProcess() throws Exception
    {
        try (HostSpec.Managers managers = new HostSpec.Managers())
        {
            final LockManager a = managers.open(root, "none");
            grantAndCheck(a, "/f", "parent");
            for (int round = 0; round < 2; round++)
            {
                try (SpecChild child = SpecChild.start(root, "none"))
                {
                    child.expect("READY");
                    for (int i = 0; i < 5; i++)
                    {
                        final String line = child.ask("lock " + i + " P X /f", "HELD " + i, "ERROR " + i);
                        assertTrue(line.startsWith("HELD"), line);
                        next(Long.parseLong(line.split(" ")[2]), "child");
                        child.ask("release " + i, "RELEASED " + i);
                        grantAndCheck(a, "/f", "parent");
                    }
                    if (round == 0)
                    {
                        child.ask("exit", "BYE");
                    }
                    else
                    {
                        child.kill();
                    }
                }
                grantAndCheck(a, "/f", "parent");
            }
        }
        try (HostSpec.Managers managers = new HostSpec.Managers())
        {
            grantAndCheck(managers.open(root, "none"), "/f", "reopened");
        }
    }
}
