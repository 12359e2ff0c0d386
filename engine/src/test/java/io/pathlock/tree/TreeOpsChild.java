package io.pathlock.tree;

import io.pathlock.LockManager;
import io.pathlock.redo.RedoLogConfig;
import io.pathlock.tree.TreeOpsFixture.Store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM for {@link TreeOpsProcessTest}: opens a lock-file store (MissingDirectories.FAIL; the
 * memory store with {@code -Dtreeops.child.store=MEMORY}) and a
 * redo log, waits for the tree recovery, runs one operation and prints what it sees:
 * {@code RECOVERY <report>}, {@code DEVICES <source dev> <target parent dev>} (moves),
 * {@code RESULT <taskId>} or {@code FAILED <exception>: <message>}, {@code TREE <path>=<kind/hash>}
 * lines (lock files included), then
 * {@code DONE}. Arguments: root, redo directory, operation
 * ({@code move|moveCopy|delete|write|writeSize}), its paths (and the content of a write, or the size
 * of a {@code writeSize} of zeros).
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
        final Store store = Store.valueOf(System.getProperty("treeops.child.store", "FILE"));
        try (LockManager locks = TreeOpsFixture.manager(root, redo, store, new RedoLogConfig());
             TreeOps ops = TreeOps.builder(locks, root)
                 .moveStrategy(op.equals("moveCopy") ? MoveStrategy.COPY : MoveStrategy.AUTO).build())
        {
            System.out.println("RECOVERY " + ops.recovery().get(60, TimeUnit.SECONDS));
            try
            {
                System.out.println("RESULT " + run(ops, root, op, args).taskId());
            }
            catch (final IOException e)
            {
                System.out.println("FAILED " + e.getClass().getName() + ": " + e.getMessage());
            }
        }
        for (final Map.Entry<String, String> e : TreeOpsFixture.snapshot(root, true).entrySet())
        {
            System.out.println("TREE " + e.getKey() + "=" + e.getValue());
        }
        System.out.println("DONE");
        System.out.flush();
    }

    private static TreeResult run(final TreeOps ops, final Path root, final String op, final String[] args)
        throws Exception
    {
        final TreeResult r;
        {
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
                case "writeSize":
                    r = ops.write(args[3], new byte[Integer.parseInt(args[4])]);
                    break;
                default:
                    r = ops.write(args[3], args[4].getBytes(StandardCharsets.UTF_8));
                    break;
            }
        }
        return r;
    }
}
