package io.pathlock;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Observer's per-thread grant and release counters: summed over threads, kept after a thread ends. */
class ObserverTest
{
    @Test
    void countsOfEndedThreadsAreKeptAndTheirCountersDropped() throws Exception
    {
        final Observer o = new Observer(4);
        final Thread[] ts = new Thread[100];
        for (int i = 0; i < ts.length; i++)
        {
            ts[i] = new Thread(() ->
            {
                final Observer.Local l = o.newLocal();
                l.onGrant();
                l.onGrant();
                l.onRelease();
            });
            ts[i].start();
            ts[i].join();
        }
        final Observer.Local mine = o.newLocal();
        mine.onGrant();
        assertEquals(201, o.counters().grants(), "every thread's grants, ended or not");
        assertEquals(100, o.counters().releases());
        assertTrue(o.localCount() <= 2, "the ended threads' counters were folded and dropped: " + o.localCount());
    }
}
