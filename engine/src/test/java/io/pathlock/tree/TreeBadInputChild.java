package io.pathlock.tree;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Child JVM of {@link TreeBadInputProcessTest}: {@code MODE STORE ROOT REDO}.
 * <ul>
 *   <li>{@code copy}: {@code move /tree -> /out/tree} with {@link MoveStrategy#COPY} (run without the
 *   capabilities that bypass file permissions, so an unreadable directory stops the copy half-way).</li>
 *   <li>{@code delete}: {@code delete /tree} in the same setting.</li>
 *   <li>{@code readonly}: in the same setting, writes, moves, a delete, a createDirectories and a batch
 *   (whose last operation fails) that need to change the read-only directory {@code /ro}.</li>
 *   <li>{@code full}: in a mount namespace where {@code ROOT/mnt} is a 256 KiB tmpfs: builds the fixture,
 *   then writes 400 KiB to {@code /mnt/big}, moves {@code /tree} (400 KiB) to {@code /mnt/tree}, and
 *   writes a small {@code /mnt/small}; prints a snapshot of the tree before and after each
 *   ({@code SNAPSHOT <label>} then the text form).</li>
 * </ul>
 * Each operation prints {@code RESULT <label> ok} or {@code RESULT <label> thrown <class>|<reason>|<message>};
 * operations wait 3 s at most for their locks.
 */
public final class TreeBadInputChild
{
    private TreeBadInputChild()
    {
    }

    /**
     * @param args see the class comment.
     * @throws Exception on failure (exit 1).
     */
    public static void main(final String[] args) throws Exception
    {
        final String mode = args[0];
        final String store = args[1];
        final Path root = Path.of(args[2]);
        final Path redo = Path.of(args[3]);
        if (mode.equals("full"))
        {
            TreeCrashScenario.setup(root);
            Files.write(root.resolve("tree/d1/d2/big1"), TreeCrashScenario.bytes(150 * 1024, 21));
            Files.write(root.resolve("tree/d1/big2"), TreeCrashScenario.bytes(150 * 1024, 22));
            Files.write(root.resolve("tree/big3"), TreeCrashScenario.bytes(100 * 1024, 23));
            snapshot(root, "start");
        }
        try (TreeCrashChild.Stack s = TreeCrashChild.Stack.open(store, root, redo,
            mode.equals("copy") ? MoveStrategy.COPY : MoveStrategy.AUTO, Duration.ofSeconds(3)))
        {
            s.ops.recovery().get(60, TimeUnit.SECONDS);
            switch (mode)
            {
                case "copy":
                    result("copy", () -> s.ops.move("/tree", "/out/tree"));
                    break;
                case "delete":
                    result("delete", () -> s.ops.delete("/tree"));
                    break;
                case "readonly":
                    final byte[] data = TreeCrashScenario.bytes(500, 40);
                    result("write-new", () -> s.ops.write("/ro/new", data));
                    result("write-over", () -> s.ops.write("/ro/a", data));
                    result("move-in", () -> s.ops.move("/in/a", "/ro/a2"));
                    result("move-out", () -> s.ops.move("/ro/a", "/out/a"));
                    result("move-dir-in", () -> s.ops.move("/tree", "/ro/tree"));
                    result("delete", () -> s.ops.delete("/ro/a"));
                    result("mkdirs", () -> s.ops.createDirectories("/ro/x/y"));
                    result("batch", () -> s.ops.batch(TreeOp.write("/in/n", data), TreeOp.delete("/in/b"),
                        TreeOp.createDirectories("/out/new/deep"), TreeOp.move("/tree", "/out/new/deep/tree"),
                        TreeOp.move("/in/a", "/ro/a3")));
                    break;
                case "full":
                    result("write", () -> s.ops.write("/mnt/big", TreeCrashScenario.bytes(400 * 1024, 24)));
                    snapshot(root, "write");
                    result("move", () -> s.ops.move("/tree", "/mnt/tree"));
                    snapshot(root, "move");
                    result("small", () -> s.ops.write("/mnt/small", TreeCrashScenario.bytes(100 * 1024, 25)));
                    snapshot(root, "small");
                    break;
                default:
                    throw new IllegalArgumentException("mode: " + mode);
            }
        }
        System.out.println("EXITING");
        System.out.flush();
        System.exit(0);
    }

    /** An operation of the child. */
    private interface Op
    {
        void run() throws IOException, InterruptedException;
    }

    private static void result(final String label, final Op op) throws InterruptedException
    {
        try
        {
            op.run();
            System.out.println("RESULT " + label + " ok");
        }
        catch (final IOException | RuntimeException e)
        {
            final String reason = e instanceof java.nio.file.FileSystemException f ? f.getReason() : "";
            System.out.println("RESULT " + label + " thrown " + e.getClass().getName() + "|" + reason + "|"
                + String.valueOf(e.getMessage()).replace('\n', ' '));
        }
        System.out.flush();
    }

    private static void snapshot(final Path root, final String label) throws IOException
    {
        System.out.print("SNAPSHOT " + label + "\n" + TreeSnapshot.of(root).format());
        System.out.flush();
    }
}
