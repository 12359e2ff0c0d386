package io.pathlock.zookeeper;

import io.pathlock.core.LockMode;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;

/**
 * The name of one znode in a component's queue, and the conflict rule between queue nodes
 * (invariants Z1, Z2 of {@link ZooKeeperLockStore}).
 *
 * <pre>
 *   name  = state kind flag '_' owner '_' ref '_' seq
 *   state = 'L' (a grant attempt, or a grant) | 'W' (a waiter's place in the queue)
 *   kind  = "ps" | "px" | "ss" | "sx" (a lock on this component: POINT/SUBTREE x SHARED/EXCLUSIVE)
 *         | "is" | "ix"               (intention: a shared / exclusive lock strictly below)
 *   flag  = 'h' (the owner held locks of this store when it made the attempt: exempt from waiters)
 *         | 'n'
 *   owner = storeId '.' ownerIndex '.' attempt   (storeId: random per store instance)
 *   ref   = the seq of the owner's waiter node in this queue, 10 digits, or 'x' (none: its own seq)
 *   seq   = ZooKeeper's 10-digit sequence suffix (EPHEMERAL_SEQUENTIAL)
 * </pre>
 */
final class QueueNode
{
    /** The six kinds of queue nodes. */
    enum Kind
    {
        PS("ps"), PX("px"), SS("ss"), SX("sx"), IS("is"), IX("ix");

        final String code;

        Kind(final String code)
        {
            this.code = code;
        }

        /** The conflict matrix between nodes of one queue (Z2); symmetric. */
        boolean conflicts(final Kind o)
        {
            switch (this)
            {
                case PS:
                    return o == PX || o == SX;
                case PX:
                    return o == PS || o == PX || o == SS || o == SX;
                case SS:
                    return o == PX || o == SX || o == IX;
                case SX:
                    return true;
                case IS:
                    return o == SX;
                case IX:
                    return o == SX || o == SS;
                default:
                    throw new AssertionError(this);
            }
        }

        boolean isIntention()
        {
            return this == IS || this == IX;
        }

        static Kind lockOf(final LockRequest.Entry e)
        {
            final boolean shared = e.mode() == LockMode.SHARED;
            if (e.type() == LockType.POINT)
            {
                return shared ? PS : PX;
            }
            return shared ? SS : SX;
        }

        static Kind intentionOf(final LockRequest.Entry e)
        {
            return e.mode() == LockMode.SHARED ? IS : IX;
        }

        LockType lockType()
        {
            return this == PS || this == PX ? LockType.POINT : LockType.SUBTREE;
        }

        LockMode lockMode()
        {
            return this == PS || this == SS || this == IS ? LockMode.SHARED : LockMode.EXCLUSIVE;
        }

        static Kind parse(final String code)
        {
            for (final Kind k : values())
            {
                if (k.code.equals(code))
                {
                    return k;
                }
            }
            return null;
        }
    }

    final boolean waiter;
    final Kind kind;
    final boolean exempt;
    /** storeId.ownerIndex: who owns the node (same owner never conflicts). */
    final String owner;
    final long ref;
    final long seq;

    private QueueNode(final boolean waiter, final Kind kind, final boolean exempt, final String owner, final long ref,
        final long seq)
    {
        this.waiter = waiter;
        this.kind = kind;
        this.exempt = exempt;
        this.owner = owner;
        this.ref = ref;
        this.seq = seq;
    }

    /** The prefix of a node's name; ZooKeeper appends the sequence. */
    static String prefix(final boolean waiter, final Kind kind, final boolean exempt, final String ownerKey,
        final long attempt, final long ref)
    {
        final StringBuilder sb = new StringBuilder(48);
        sb.append(waiter ? 'W' : 'L').append(kind.code).append(exempt ? 'h' : 'n').append('_')
            .append(ownerKey).append('.').append(attempt).append('_');
        if (ref < 0)
        {
            sb.append('x');
        }
        else
        {
            sb.append(String.format("%010d", ref));
        }
        return sb.append('_').toString();
    }

    /** Parses a queue child's name; null for a name this store did not write (ignored, see Z8). */
    static QueueNode parse(final String name)
    {
        if (name.length() < 6 || (name.charAt(0) != 'L' && name.charAt(0) != 'W'))
        {
            return null;
        }
        final Kind kind = Kind.parse(name.substring(1, 3));
        final char flag = name.charAt(3);
        if (kind == null || (flag != 'h' && flag != 'n') || name.charAt(4) != '_')
        {
            return null;
        }
        final int a = name.indexOf('_', 5);
        final int b = a < 0 ? -1 : name.indexOf('_', a + 1);
        if (b < 0)
        {
            return null;
        }
        final String ownerAttempt = name.substring(5, a);
        final int dot = ownerAttempt.lastIndexOf('.');
        if (dot < 0)
        {
            return null;
        }
        try
        {
            final String refText = name.substring(a + 1, b);
            final long ref = refText.equals("x") ? -1 : Long.parseLong(refText);
            final long seq = Long.parseLong(name.substring(b + 1));
            return new QueueNode(name.charAt(0) == 'W', kind, flag == 'h', ownerAttempt.substring(0, dot),
                ref < 0 ? seq : ref, seq);
        }
        catch (final NumberFormatException e)
        {
            return null;
        }
    }

    /** The sequence suffix of a created node's path. */
    static long seqOf(final String path)
    {
        return Long.parseLong(path.substring(path.length() - 10));
    }
}
