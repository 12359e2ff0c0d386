package io.pathlock.tree;

import io.pathlock.LockHandle;
import io.pathlock.LockManager;
import io.pathlock.core.HeldLock;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockType;
import io.pathlock.tree.TreeModel.ErrorKind;
import io.pathlock.tree.TreeModel.Op;
import io.pathlock.tree.TreeModel.OpKind;
import io.pathlock.tree.TreeModel.Result;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A deliberately simple, test-only implementation of the tree operations (no redo log, no crash
 * safety, the model decides success) whose only job is to take locks: with {@link Locking#DOCS} the
 * table of {@code docs/tree-ops.md} §2 with decision 1 (createDirectories: SUBTREE on the deepest
 * existing ancestor) and two refinements the oracle found necessary: createDirectories of an existing
 * directory p takes POINT(p) (else a batch holding it is ordered after a delete(p) whose effect it did
 * not see: found in {@link TreeOps} too), and over a file x in the way POINT(parent(x)) (needed here
 * because this implementation reads the tree again after its check, so a delete of x in between would
 * let it succeed under SUBTREE(x), which that delete's POINT(parent(x)) does not meet), with
 * {@link Locking#POINT_PER_CREATED_DIRECTORY} the too-weak table of the docs before decision 1. It lets
 * the oracle be tested on a known-right and a known-wrong lock choice, independently of {@link TreeOps}.
 */
final class TreeOracleReferenceOps implements TreeOracle.Executor
{
    /** Which lock table. */
    enum Locking
    {
        /** docs/tree-ops.md §2 with decision 1 and the two refinements of the class comment. */
        DOCS,
        /** createDirectories takes POINT(parent(x)) for every directory x it creates (too weak). */
        POINT_PER_CREATED_DIRECTORY
    }

    private final LockManager locks;
    private final Path root;
    private final Locking locking;
    private final Consumer<Op> afterGrant;

    /**
     * @param locks      the manager.
     * @param root       the root.
     * @param locking    the lock table.
     * @param afterGrant called with the operation once its locks are granted, before it changes the tree.
     */
    TreeOracleReferenceOps(final LockManager locks, final Path root, final Locking locking,
        final Consumer<Op> afterGrant)
    {
        this.locks = locks;
        this.root = root;
        this.locking = locking;
        this.afterGrant = afterGrant;
    }

    @Override
    public TreeResult apply(final Op op) throws IOException, InterruptedException
    {
        for (;;)
        {
            final Map<String, LockType> wanted = lockSet(op, read());
            if (wanted.isEmpty())
            {
                // Nothing to change (createDirectories of an existing directory): decided without locks.
                final TreeModel m = read();
                final Result r = m.apply(op);
                if (!r.ok())
                {
                    throw exception(r);
                }
                return new TreeResult(Map.of(), -1, -1);
            }
            final LockRequest.Builder b = LockRequest.builder();
            wanted.forEach(b::add);
            try (LockHandle h = locks.lock(b.build(), TreeOracle.TIMEOUT))
            {
                final TreeModel m = read();
                if (!covered(h.locks(), lockSet(op, m)))
                {
                    continue;
                }
                afterGrant.accept(op);
                final Result r = read().apply(op);
                if (!r.ok())
                {
                    throw exception(r);
                }
                change(op);
                final Map<String, Long> tokens = new HashMap<>();
                long max = 0;
                for (final HeldLock l : h.locks())
                {
                    final long t = l.fencingToken();
                    tokens.put(l.path().toString(), t);
                    max = Math.max(max, t);
                }
                return new TreeResult(tokens, max, -1);
            }
        }
    }

    /** The locks an operation takes on the tree {@code m} (a batch: each on the tree the earlier ones left). */
    private Map<String, LockType> lockSet(final Op op, final TreeModel m)
    {
        final Map<String, LockType> out = new TreeMap<>();
        if (op.kind() == OpKind.BATCH)
        {
            final TreeModel scratch = m.copy();
            for (final Op o : op.batch())
            {
                lockSet(o, scratch).forEach((p, t) -> add(out, p, t));
                if (!scratch.apply(o).ok())
                {
                    break;
                }
            }
            return out;
        }
        final String p = op.path();
        switch (op.kind())
        {
            case WRITE:
                add(out, TreeModel.parent(p), LockType.POINT);
                break;
            case DELETE:
                if (m.isDirectory(p))
                {
                    add(out, p, LockType.SUBTREE);
                }
                add(out, TreeModel.parent(p), LockType.POINT);
                break;
            case MOVE:
                if (m.isDirectory(p))
                {
                    add(out, p, LockType.SUBTREE);
                    add(out, TreeModel.parent(p), LockType.POINT);
                    add(out, TreeModel.parent(op.target()), LockType.SUBTREE);
                }
                else
                {
                    add(out, TreeModel.parent(p), LockType.POINT);
                    add(out, TreeModel.parent(op.target()), LockType.POINT);
                }
                break;
            default:
                if (m.isDirectory(p))
                {
                    if (locking == Locking.DOCS && !"/".equals(p))
                    {
                        // Nothing to create, but the no-op holds only while p is a directory: in a batch it
                        // is ordered by the batch's token, so it must conflict with delete(p) and move(p).
                        add(out, p, LockType.POINT);
                    }
                }
                else
                {
                    if (locking == Locking.DOCS)
                    {
                        final String x = m.deepestExisting(p);
                        if (m.isFile(x))
                        {
                            // A file in the way: the failure lasts while x is a file, which is what
                            // POINT(parent(x)) guards (delete, move and write of x take it).
                            add(out, TreeModel.parent(x), LockType.POINT);
                        }
                        else
                        {
                            add(out, x, LockType.SUBTREE);
                        }
                    }
                    else
                    {
                        for (String x = p; !"/".equals(x) && !m.isDirectory(x) && !m.isFile(x); x = TreeModel.parent(x))
                        {
                            add(out, TreeModel.parent(x), LockType.POINT);
                        }
                    }
                }
                break;
        }
        return out;
    }

    private static void add(final Map<String, LockType> out, final String path, final LockType type)
    {
        out.merge(path, type,
            (a, b) -> a == LockType.SUBTREE || b == LockType.SUBTREE ? LockType.SUBTREE : LockType.POINT);
    }

    private static boolean covered(final List<HeldLock> held, final Map<String, LockType> wanted)
    {
        for (final Map.Entry<String, LockType> w : wanted.entrySet())
        {
            boolean ok = false;
            for (final HeldLock h : held)
            {
                final String hp = h.path().toString();
                ok |= hp.equals(w.getKey()) && (h.type() == LockType.SUBTREE || w.getValue() == LockType.POINT)
                    || h.type() == LockType.SUBTREE && TreeModel.isAtOrBelow(hp, w.getKey());
            }
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    private static IOException exception(final Result r)
    {
        final ErrorKind k = r.errors().iterator().next();
        switch (k)
        {
            case NO_SUCH_FILE:
                return new NoSuchFileException(r.detail());
            case FILE_EXISTS:
                return new FileAlreadyExistsException(r.detail());
            case NOT_DIRECTORY:
                return new NotDirectoryException(r.detail());
            case IS_DIRECTORY:
                return new FileSystemException(r.detail(), null, "Is a directory");
            case INTO_ITSELF:
                return new FileSystemException(r.detail(), null, "cannot move a directory into itself");
            default:
                return new FileSystemException(r.detail(), null, "invalid");
        }
    }

    /** Does the operation on the file system (the model said it succeeds). */
    private void change(final Op op) throws IOException
    {
        switch (op.kind())
        {
            case WRITE:
                final Path target = file(op.path());
                final Path tmp = target.resolveSibling(TreeOps.TEMP_PREFIX + "ref." + target.getFileName());
                Files.writeString(tmp, op.content(), StandardCharsets.UTF_8);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                break;
            case DELETE:
                try (Stream<Path> s = Files.walk(file(op.path())))
                {
                    for (final Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator)
                    {
                        Files.delete(p);
                    }
                }
                break;
            case MOVE:
                Files.move(file(op.path()), file(op.target()), StandardCopyOption.ATOMIC_MOVE);
                break;
            case MKDIRS:
                Files.createDirectories(file(op.path()));
                break;
            default:
                for (final Op o : op.batch())
                {
                    change(o);
                }
                break;
        }
    }

    private Path file(final String lockPath)
    {
        return root.resolve(lockPath.substring(1));
    }

    /** The real tree as a model (entries that vanish during the walk are skipped). */
    private TreeModel read() throws IOException
    {
        final TreeModel m = new TreeModel();
        final Map<String, String> found = new TreeMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>()
        {
            @Override
            public FileVisitResult preVisitDirectory(final Path dir, final BasicFileAttributes attrs)
            {
                if (!dir.equals(root))
                {
                    found.put("/" + root.relativize(dir), null);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(final Path file, final BasicFileAttributes attrs)
            {
                try
                {
                    found.put("/" + root.relativize(file), Files.readString(file, StandardCharsets.UTF_8));
                }
                catch (final IOException gone)
                {
                    // Removed or replaced by an operation on a path this one does not lock: irrelevant here.
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(final Path file, final IOException e)
            {
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(final Path dir, final IOException e)
            {
                return FileVisitResult.CONTINUE;
            }
        });
        for (final Map.Entry<String, String> e : found.entrySet())
        {
            final String p = e.getKey();
            if (p.contains(TreeOps.TEMP_PREFIX))
            {
                continue;
            }
            // Parents come first in the sorted map; an entry whose parent vanished is skipped by the model.
            m.apply(e.getValue() == null ? Op.mkdirs(p) : Op.write(p, e.getValue()));
        }
        return m;
    }
}
