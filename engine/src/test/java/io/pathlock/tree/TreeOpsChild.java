package io.pathlock.tree;

import io.pathlock.LockManager;
import io.pathlock.redo.RedoLogConfig;
import io.pathlock.tree.TreeOpsFixture.Store;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM for {@link TreeOpsProcessTest}: opens a lock-file store (MissingDirectories.FAIL) and a
 * redo log, waits for the tree recovery, runs one operation and prints what it sees:
 * {@code RECOVERY <report>}, {@code DEVICES <source dev> <target parent dev>} (moves),
 * {@code RESULT <taskId>}, {@code TREE <path>=<kind/hash>} lines (lock files included), then
 * {@code DONE}. Arguments: root, redo directory, operation ({@code move|moveCopy|delete|write}), its
 * paths (and the content of a write).
 */
public final class TreeOpsChild
{
    private TreeOpsChild()
    {
    }

    /**
     * @param args root, redo directory, operation, paths.
     * @throws Exception on failure (printed, exit 1).
     */
    public static void main(final String[] args) throws Exception
    {
        final Path root = Path.of(args[0]);
        final Path redo = Path.of(args[1]);
        final String op = args[2];
        try (LockManager locks = TreeOpsFixture.manager(root, redo, Store.FILE, new RedoLogConfig());
             TreeOps ops = TreeOps.builder(locks, root)
                 .moveStrategy(op.equals("moveCopy") ? MoveStrategy.COPY : MoveStrategy.AUTO).build())
        {
            System.out.println("RECOVERY " + ops.recovery().get(60, TimeUnit.SECONDS));
            final TreeResult r;
            switch (op)
            {
                case "move":
                case "moveCopy":
                    System.out.println("DEVICES " + Files.getAttribute(root.resolve(args[3].substring(1)), "unix:dev",
                        LinkOption.NOFOLLOW_LINKS) + " " + Files.getAttribute(
                        root.resolve(args[4].substring(1)).getParent(), "unix:dev"));
                    r = ops.move(args[3], args[4]);
                    break;
                case "delete":
                    r = ops.delete(args[3]);
                    break;
                default:
                    r = ops.write(args[3], args[4].getBytes(StandardCharsets.UTF_8));
                    break;
            }
            System.out.println("RESULT " + r.taskId());
        }
        for (final Map.Entry<String, String> e : TreeOpsFixture.snapshot(root, true).entrySet())
        {
            System.out.println("TREE " + e.getKey() + "=" + e.getValue());
        }
        System.out.println("DONE");
        System.out.flush();
    }
}
