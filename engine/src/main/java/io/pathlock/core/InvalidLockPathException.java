package io.pathlock.core;

/**
 * A lock path that breaks the rules of {@link LockPath}. The message names the input and the rule.
 */
public final class InvalidLockPathException extends IllegalArgumentException
{
    private static final long serialVersionUID = 1L;

    private final String input;

    /**
     * Creates the exception.
     *
     * @param input the rejected input, or null.
     * @param reason what is wrong with it.
     */
    public InvalidLockPathException(final CharSequence input, final String reason)
    {
        super("invalid lock path " + quote(input) + ": " + reason);
        this.input = input == null ? null : input.toString();
    }

    /**
     * The rejected input.
     *
     * @return the input text, or null if the input was null.
     */
    public String input()
    {
        return input;
    }

    private static String quote(final CharSequence input)
    {
        if (input == null)
        {
            return "null";
        }
        final StringBuilder sb = new StringBuilder("\"");
        final int n = Math.min(input.length(), 200);
        for (int i = 0; i < n; i++)
        {
            final char c = input.charAt(i);
            if (c < 0x20 || c == 0x7f)
            {
                sb.append(String.format("\\u%04x", (int)c));
            }
            else
            {
                sb.append(c);
            }
        }
        if (input.length() > n)
        {
            sb.append("...");
        }
        return sb.append('"').toString();
    }
}
