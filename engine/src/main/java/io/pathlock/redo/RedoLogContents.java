package io.pathlock.redo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * What a scan of a redo directory found: the tasks by state, the segments, and a torn tail if any.
 * Produced by {@link RedoLogReader}; immutable once returned.
 */
public final class RedoLogContents
{
    final List<Segment> segments;
    final Map<Long, TaskEntry> tasks;
    final List<RedoTaskInfo> done;
    final Segment tornSegment;
    final long tornOffset;
    final String tornDetail;
    final long nextTaskId;

    RedoLogContents(
        final List<Segment> segments,
        final Map<Long, TaskEntry> tasks,
        final List<RedoTaskInfo> done,
        final Segment tornSegment,
        final long tornOffset,
        final String tornDetail,
        final long nextTaskId)
    {
        this.segments = segments;
        this.tasks = tasks;
        this.done = done;
        this.tornSegment = tornSegment;
        this.tornOffset = tornOffset;
        this.tornDetail = tornDetail;
        this.nextTaskId = nextTaskId;
    }

    /**
     * @return begun-but-not-done tasks that recovery would replay, by task id.
     */
    public List<RedoTaskInfo> pending()
    {
        return tasksIn(RedoTaskState.PENDING);
    }

    /**
     * @return quarantined tasks, by task id.
     */
    public List<RedoTaskInfo> quarantined()
    {
        return tasksIn(RedoTaskState.QUARANTINED);
    }

    /**
     * @return done tasks whose records are still in the log (only when the scan collected them).
     */
    public List<RedoTaskInfo> done()
    {
        return Collections.unmodifiableList(done);
    }

    /**
     * @return file names of the segments, oldest first.
     */
    public List<String> segmentNames()
    {
        final List<String> names = new ArrayList<>();
        for (final Segment segment : segments)
        {
            names.add(segment.name());
        }
        return names;
    }

    /**
     * @return file name of the segment with a torn tail, or null if the log ends cleanly.
     */
    public String tornSegment()
    {
        return null == tornSegment ? null : tornSegment.path.toString();
    }

    /**
     * @return byte offset where the torn tail starts (the log is truncated there on open), or -1.
     */
    public long tornOffset()
    {
        return tornOffset;
    }

    /**
     * @return what was found at the torn tail, or null.
     */
    public String tornDetail()
    {
        return tornDetail;
    }

    /**
     * @return the next task id the log would issue.
     */
    public long nextTaskId()
    {
        return nextTaskId;
    }

    private List<RedoTaskInfo> tasksIn(final RedoTaskState state)
    {
        final List<RedoTaskInfo> result = new ArrayList<>();
        for (final TaskEntry entry : tasks.values())
        {
            if (entry.state == state)
            {
                result.add(entry.info());
            }
        }
        result.sort((a, b) -> Long.compare(a.taskId(), b.taskId()));
        return result;
    }
}
