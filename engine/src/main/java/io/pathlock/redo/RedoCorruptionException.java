package io.pathlock.redo;

/**
 * A segment is damaged before its tail (a checksum or a field that cannot be right), so the log
 * cannot be trusted past that point. Recovery stops and the file is left untouched for inspection.
 */
public final class RedoCorruptionException extends RedoLogException
{
    private static final long serialVersionUID = 1L;

    private final String segment;
    private final long offset;

    /**
     * @param segment path of the damaged segment file.
     * @param offset  byte offset in the file of the damaged record or header.
     * @param detail  what is wrong there.
     */
    public RedoCorruptionException(final String segment, final long offset, final String detail)
    {
        super("redo segment " + segment + " is corrupt at byte offset " + offset + ": " + detail +
            " (the file was left untouched)");
        this.segment = segment;
        this.offset = offset;
    }

    /**
     * @return path of the damaged segment file.
     */
    public String segment()
    {
        return segment;
    }

    /**
     * @return byte offset of the damaged record or header in the segment file.
     */
    public long offset()
    {
        return offset;
    }
}
