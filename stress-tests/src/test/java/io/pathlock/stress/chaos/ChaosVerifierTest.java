package io.pathlock.stress.chaos;

import io.pathlock.core.LockMode;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The chaos runner's independent checker catches what it must, and its conflict matrix is DESIGN §2's. */
class ChaosVerifierTest
{
    @TempDir
    Path run;

    private List<String> verify(final String workload, final String... lines) throws Exception
    {
        Files.write(run.resolve(ChaosLog.LOG_NAME), List.of(lines));
        return ChaosRunner.verify(run, workload, false);
    }

    @Test
    void conflictMatrixAgreesWithTheEngineOnEveryPairOfTheTree()
    {
        final List<String> paths = ChaosTree.lockPaths();
        for (final String a : paths)
        {
            for (final String b : paths)
            {
                for (final LockType ta : LockType.values())
                {
                    for (final LockType tb : LockType.values())
                    {
                        assertEquals(ta.conflictsWith(LockPath.parse(a), tb, LockPath.parse(b)),
                            ChaosTree.conflicts(ta.code(), a, tb.code(), b), ta + a + " vs " + tb + b);
                    }
                }
            }
        }
    }

    @Test
    void conflictMatrixWithModesAgreesWithTheEngineOnEveryPairOfTheTree()
    {
        final List<String> paths = ChaosTree.lockPaths();
        for (final String a : paths)
        {
            for (final String b : paths)
            {
                for (final LockType ta : LockType.values())
                {
                    for (final LockType tb : LockType.values())
                    {
                        for (final LockMode ma : LockMode.values())
                        {
                            for (final LockMode mb : LockMode.values())
                            {
                                final String ea = ChaosLog.encode(List.of(new LockRequest.Entry(LockPath.parse(a), ta, ma)));
                                final String eb = ChaosLog.encode(List.of(new LockRequest.Entry(LockPath.parse(b), tb, mb)));
                                assertEquals(ta.conflictsWith(LockPath.parse(a), ma, tb, mb, LockPath.parse(b)),
                                    ChaosTree.conflicts(ea.charAt(0), a, eb.charAt(0), b), ea + " vs " + eb);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void encodedEntriesDecodeToTheSameRequest()
    {
        final LockRequest r = LockRequest.builder().add("/d0", LockType.SUBTREE, LockMode.SHARED)
            .add("/d1/f0", LockType.POINT, LockMode.EXCLUSIVE).add("/d2", LockType.POINT, LockMode.SHARED).build();
        final String enc = ChaosLog.encode(r.entries());
        assertEquals("s/d0,P/d1/f0,p/d2", enc);
        assertEquals(r.entries(), ChaosRunner.decode(enc).entries());
    }

    @Test
    void sharedHoldersOverlapButAWriterAmongThemIsAViolation() throws Exception
    {
        assertEquals(List.of(), verify("tree", "E 1.0 5 s/d0", "E 2.0 6 p/d0/s1/f0", "X 2.0", "X 1.0"));
        assertFalse(verify("tree", "E 1.0 5 s/d0", "E 2.0 6 P/d0/s1/f0", "X 2.0", "X 1.0").isEmpty());
    }

    @Test
    void crashedProcessIsJudgedUntilItsLastRecordAndFreedAtItsDeathRecord() throws Exception
    {
        // 10 crashed (D) while 10.0 held P/d0: 10.1 wrote after 11.0's grant, so 10 was alive then.
        assertFalse(verify("tree", "E 10.0 5 P/d0", "E 11.0 6 P/d0", "E 10.1 7 P/d1", "D 10", "X 11.0").isEmpty());
        // the grant came after 10's last record and before D: the death time is unknown, not judged.
        assertEquals(List.of(), verify("tree", "E 10.0 5 P/d0", "E 10.1 7 P/d1", "E 11.0 6 P/d0", "D 10", "X 11.0"));
        // after D it is free.
        assertEquals(List.of(), verify("tree", "E 10.0 5 P/d0", "D 10", "E 11.0 6 P/d0", "X 11.0"));
        // an unclosed section of a process with no D record is still a violation.
        assertFalse(verify("tree", "E 10.0 5 P/d0", "E 10.1 7 P/d1", "E 11.0 6 P/d0", "X 11.0").isEmpty());
    }

    @Test
    void cleanHistoryPasses() throws Exception
    {
        assertEquals(List.of(), verify("tree",
            "E 1.0 5 S/d0", "E 2.0 6 P/d1/f0", "X 1.0", "E 2.1 7 P/d0/s0,P/d0", "X 2.1", "X 2.0"));
    }

    @Test
    void overlappingConflictingSectionsAreViolations() throws Exception
    {
        final List<String> f = verify("tree", "E 1.0 5 S/d0", "E 2.0 6 P/d0/s1/f0", "X 2.0", "X 1.0");
        assertFalse(f.isEmpty());
        assertTrue(f.get(0).contains("entered"), f.toString());
    }

    @Test
    void killedHolderEndsAtTheKillRecordOnly() throws Exception
    {
        assertEquals(List.of(), verify("tree", "E 10.0 5 P/d0", "K 10", "E 11.0 6 P/d0", "X 11.0"));
        assertFalse(verify("tree", "E 10.0 5 P/d0", "E 11.0 6 P/d0", "K 10", "X 11.0").isEmpty());
    }

    @Test
    void garbageFileIsAHolder() throws Exception
    {
        // "G+ /d0/f0\n" ends at byte 10: an attempt that started there began after the plant.
        assertFalse(verify("tree", "G+ /d0/f0", "E 1.0 5 S/d0 10", "X 1.0", "G- /d0/f0").isEmpty());
        // attempt started before the plant finished: the grant may precede it, not judged.
        assertEquals(List.of(), verify("tree", "G+ /d0/f0", "E 1.0 5 S/d0 0", "X 1.0", "G- /d0/f0"));
        assertEquals(List.of(), verify("tree", "G+ /d0/f0", "G- /d0/f0", "E 1.0 5 S/d0", "X 1.0"));
    }

    @Test
    void mutexTokensMustIncreaseInGrantOrder() throws Exception
    {
        assertEquals(List.of(), verify("mutex", "E 1.0 5 P/m", "X 1.0", "E 2.0 9 P/m", "X 2.0"));
        assertFalse(verify("mutex", "E 1.0 9 P/m", "X 1.0", "E 2.0 5 P/m", "X 2.0").isEmpty());
    }

    @Test
    void unclosedSectionOfALiveWorkerIsAViolation() throws Exception
    {
        assertFalse(verify("tree", "E 1.0 5 P/d0").isEmpty());
    }
}
