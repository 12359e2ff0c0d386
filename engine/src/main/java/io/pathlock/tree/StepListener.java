package io.pathlock.tree;

/**
 * Test hook: told before each numbered step of an operation or of recovery (docs/tree-ops.md §6), on
 * the thread that runs it, after the crash hook had its chance. A test can pause a step here.
 */
@FunctionalInterface
interface StepListener
{
    /**
     * Called before a step.
     *
     * @param op   the operation's crash name ({@code write}, {@code move}, {@code moveCopy},
     *             {@code delete}, {@code mkdirs}, {@code batch}) or {@code recover}.
     * @param step the step number, from 1.
     * @param what what the step does.
     */
    void beforeStep(String op, int step, String what);

    /**
     * The crash hook and the listener: halts the JVM (status 137, no shutdown hooks) if
     * {@link TreeOps#CRASH_AT_PROP_NAME} names this step, else tells the listener.
     *
     * @param l    the listener or null.
     * @param op   the crash name.
     * @param step the step number.
     * @param what what the step does.
     */
    static void before(final StepListener l, final String op, final int step, final String what)
    {
        final String at = System.getProperty(TreeOps.CRASH_AT_PROP_NAME);
        if (at != null && at.equals(op + ":" + step))
        {
            System.err.println("pathlock: crash hook " + at + ": halting before " + what);
            System.err.flush();
            Runtime.getRuntime().halt(137);
        }
        if (l != null)
        {
            l.beforeStep(op, step, what);
        }
    }
}
