package io.pathlock.stress.jcstress;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import java.nio.ByteBuffer;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The redo log's ring-buffer hand-off between a producer ({@code RedoLog.append}) and the writer
 * ({@code RedoWriter}: its idle strategy and its drain), step for step on an Agrona
 * {@link ManyToOneRingBuffer} as the engine uses it. The producer claims a slot, encodes its record,
 * computes the record's absolute ring position {@code p = pp - 1 - ((pp - 1 - index) & (capacity - 1))}
 * from the producer position {@code pp} read after the claim, commits, then reads the writer's
 * volatile {@code parked} flag to decide whether to wake it. The writer announces
 * {@code parked = true}, checks {@code ring.size() == 0} (it would park only then), and drains the
 * ring once. The arbiter drains what is left.
 *
 * <p>Races forbidden: a lost wake-up (the writer saw an empty ring and would park, while the
 * producer, whose claim came after that check, read {@code parked == false} and does not wake it;
 * its {@code begin} would wait out the park timeout). The claim is a CAS of the producer position
 * and {@code parked} is volatile, so both sides' accesses are sequentially consistent and one sees
 * the other (Dekker). Also forbidden: the consumer reading a committed record whose payload is not
 * the encoded one (the commit's release store must publish the encoding), a record read twice or
 * never, and a position that is not where the record is (the waiter would be completed by the sync
 * of another record: an acknowledgement before durability).
 *
 * <p>Result: r1 = the position the producer computed (0 on a fresh ring); r2 = 2 if the writer saw
 * a claimed record (it does not park), else 1 if the producer saw {@code parked} (it wakes the
 * writer), 0 if not (lost wake-up); r3 = 1 if the writer's drain already read the record, else 0;
 * r4 = 1 if the record was read exactly once, with the producer's payload, at position r1.
 *
 * <p>A second producer racing for positions would need three actors, which jcstress skips on two
 * CPUs; two producers sharing a ring are covered by the engine's redo tests and the chaos runner.
 *
 * <p>Run: {@code stress-tests/run-jcstress.sh ci -t RedoRingHandoffTest}.
 */
@JCStressTest
@Outcome(id = "0, 2, 0, 1", expect = ACCEPTABLE, desc = "writer saw the claim, drain came before the commit; it stays awake")
@Outcome(id = "0, 2, 1, 1", expect = ACCEPTABLE, desc = "writer saw the claim and drained the record")
@Outcome(id = "0, 1, 0, 1", expect = ACCEPTABLE, desc = "writer announced parking first; the producer saw it and wakes it")
@Outcome(id = "0, 1, 1, 1", expect = ACCEPTABLE, desc = "writer announced parking first, record committed before its drain")
@Outcome(expect = FORBIDDEN, desc = "r2 = 0: lost wake-up; r4 = 0: record lost, duplicated, torn or not at its position")
@State
public class RedoRingHandoffTest
{
    private static final int CAPACITY = 1024;
    private static final int MSG_TYPE = 1;
    private static final int MSG_LENGTH = 8;
    private static final long PAYLOAD = 0x5EED_CAFE_F00DL;

    private final ManyToOneRingBuffer ring = new ManyToOneRingBuffer(
        new UnsafeBuffer(ByteBuffer.allocateDirect(CAPACITY + RingBufferDescriptor.TRAILER_LENGTH)));
    private volatile boolean parked;
    private int reads;
    private long readPosition = -1;
    private boolean readGood = true;

    /** The producer: claim, encode, position, commit, then the wake-up check. */
    @Actor
    public void producer(final IIII_Result r)
    {
        final int index = ring.tryClaim(MSG_TYPE, MSG_LENGTH);
        ring.buffer().putLong(index, PAYLOAD);
        final long pp = ring.producerPosition();
        final int recordIndex = index - RecordDescriptor.HEADER_LENGTH;
        r.r1 = (int)(pp - 1 - ((pp - 1 - recordIndex) & (CAPACITY - 1)));
        ring.commit(index);
        r.r2 = parked ? 1 : 0;
    }

    /** The writer's idle step (announce, re-check) followed by one drain. */
    @Actor
    public void writer(final IIII_Result r)
    {
        parked = true;
        r.r4 = ring.size() == 0 ? 1 : 0;
        r.r3 = drain();
    }

    private int drain()
    {
        return ring.read((type, buffer, index, length) ->
        {
            reads++;
            readPosition = index - RecordDescriptor.HEADER_LENGTH;
            readGood &= type == MSG_TYPE && length == MSG_LENGTH && buffer.getLong(index) == PAYLOAD;
        });
    }

    /** Folds the wake-up result and drains what is left. */
    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        final boolean writerSawEmpty = r.r4 == 1;
        r.r2 = writerSawEmpty ? r.r2 : 2;
        drain();
        r.r4 = reads == 1 && readGood && readPosition == r.r1 ? 1 : 0;
    }
}
