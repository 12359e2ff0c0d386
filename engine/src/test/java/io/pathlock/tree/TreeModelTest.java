package io.pathlock.tree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pathlock.tree.TreeModel.ErrorKind;
import io.pathlock.tree.TreeModel.Op;
import io.pathlock.tree.TreeModel.Result;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

/**
 * The in-memory model of the concurrency oracle: each operation's success and error kinds as
 * {@code docs/tree-ops.md} describes them, and that a failure changes nothing.
 */
class TreeModelTest
{
    private static TreeModel tree(final Op... ops)
    {
        final TreeModel m = new TreeModel();
        for (final Op o : ops)
        {
            assertTrue(m.apply(o).ok(), () -> "setup " + o);
        }
        return m;
    }

    /** Applies an operation that must fail, checks its error kinds and that the model did not change. */
    private static void assertFails(final TreeModel m, final Op op, final ErrorKind... kinds)
    {
        final TreeModel before = m.copy();
        final Result r = m.apply(op);
        assertFalse(r.ok(), () -> op + " succeeded");
        assertEquals(Set.of(kinds), r.errors(), () -> op + ": " + r.detail());
        assertEquals(before, m, () -> "failed " + op + " changed the model");
    }

    private static Map<String, String> map(final String... kv)
    {
        final Map<String, String> m = new TreeMap<>();
        for (int i = 0; i < kv.length; i += 2)
        {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void writeNeedsAnExistingDirectoryAsParentAndReplacesAFile()
    {
        final TreeModel m = tree(Op.mkdirs("/a"), Op.write("/a/f", "1"));
        assertTrue(m.apply(Op.write("/a/f", "2")).ok());
        assertEquals("2", m.content("/a/f"));
        assertFails(m, Op.write("/b/f", "x"), ErrorKind.NO_SUCH_FILE);
        assertFails(m, Op.write("/a/f/g", "x"), ErrorKind.NOT_DIRECTORY);
        assertFails(m, Op.write("/a", "x"), ErrorKind.IS_DIRECTORY);
        assertFails(m, Op.write("/a/b/c", "x"), ErrorKind.NO_SUCH_FILE);
        assertEquals(map("/a", "dir", "/a/f", "file:2"), m.snapshot());
    }

    @Test
    void deleteRemovesAFileOrAWholeSubtreeButNotASiblingWithACommonPrefix()
    {
        final TreeModel m = tree(Op.mkdirs("/a/b/c"), Op.write("/a/b/c/f", "1"), Op.write("/a/bb", "2"),
            Op.write("/a/b/g", "3"));
        assertTrue(m.apply(Op.delete("/a/b")).ok());
        assertEquals(map("/a", "dir", "/a/bb", "file:2"), m.snapshot());
        assertTrue(m.apply(Op.delete("/a/bb")).ok());
        assertEquals(map("/a", "dir"), m.snapshot());
        assertFails(m, Op.delete("/a/bb"), ErrorKind.NO_SUCH_FILE);
        assertFails(m, Op.delete("/x/y"), ErrorKind.NO_SUCH_FILE);
        assertFails(m, Op.delete("/"), ErrorKind.INVALID);
    }

    @Test
    void aMissingSourceBelowAFileIsEitherErrorKind()
    {
        final TreeModel m = tree(Op.write("/f", "1"));
        assertFails(m, Op.delete("/f/g"), ErrorKind.NOT_DIRECTORY, ErrorKind.NO_SUCH_FILE);
        assertFails(m, Op.move("/f/g", "/h"), ErrorKind.NOT_DIRECTORY, ErrorKind.NO_SUCH_FILE);
    }

    @Test
    void moveCarriesTheSubtreeAndChecksSourceTargetAndItself()
    {
        final TreeModel m = tree(Op.mkdirs("/a/b"), Op.write("/a/b/f", "1"), Op.mkdirs("/c"), Op.write("/c/g", "2"));
        assertFails(m, Op.move("/a", "/a/b/x"), ErrorKind.INTO_ITSELF);
        assertFails(m, Op.move("/a", "/a"), ErrorKind.INTO_ITSELF, ErrorKind.FILE_EXISTS);
        assertFails(m, Op.move("/c/g", "/c/g/h"), ErrorKind.NOT_DIRECTORY, ErrorKind.INTO_ITSELF);
        assertFails(m, Op.move("/a", "/c"), ErrorKind.FILE_EXISTS);
        assertFails(m, Op.move("/x", "/y"), ErrorKind.NO_SUCH_FILE);
        assertFails(m, Op.move("/a", "/x/y"), ErrorKind.NO_SUCH_FILE);
        assertFails(m, Op.move("/a", "/c/g/y"), ErrorKind.NOT_DIRECTORY);
        assertFails(m, Op.move("/", "/z"), ErrorKind.INVALID);
        assertTrue(m.apply(Op.move("/a", "/c/a")).ok());
        assertEquals(map("/c", "dir", "/c/a", "dir", "/c/a/b", "dir", "/c/a/b/f", "file:1", "/c/g", "file:2"),
            m.snapshot());
        assertTrue(m.apply(Op.move("/c/g", "/g")).ok());
        assertEquals("2", m.content("/g"));
        assertFalse(m.isFile("/c/g"));
    }

    @Test
    void createDirectoriesCreatesTheMissingOnesOrNothing()
    {
        final TreeModel m = tree(Op.mkdirs("/a"), Op.write("/a/f", "1"));
        assertTrue(m.apply(Op.mkdirs("/a/b/c")).ok());
        assertTrue(m.isDirectory("/a/b") && m.isDirectory("/a/b/c"));
        final TreeModel before = m.copy();
        assertTrue(m.apply(Op.mkdirs("/a/b")).ok());
        assertTrue(m.apply(Op.mkdirs("/")).ok());
        assertEquals(before, m);
        assertFails(m, Op.mkdirs("/a/f/x/y"), ErrorKind.NOT_DIRECTORY, ErrorKind.FILE_EXISTS);
        assertFails(m, Op.mkdirs("/a/f"), ErrorKind.NOT_DIRECTORY, ErrorKind.FILE_EXISTS);
        assertEquals("/a/b", m.deepestExisting("/a/b/x/y"));
        assertEquals("/", m.deepestExisting("/q/r"));
    }

    @Test
    void aBatchIsAllOrNothingAndEachOperationSeesTheEarlierOnes()
    {
        final TreeModel m = tree(Op.mkdirs("/a"));
        assertTrue(m.apply(Op.batch(List.of(Op.mkdirs("/x/y"), Op.write("/x/y/z", "1"), Op.move("/x", "/a/x")))).ok());
        assertEquals(map("/a", "dir", "/a/x", "dir", "/a/x/y", "dir", "/a/x/y/z", "file:1"), m.snapshot());
        final Result r = new TreeModel().apply(Op.batch(List.of(Op.mkdirs("/p"), Op.write("/q/f", "1"))));
        assertEquals(Set.of(ErrorKind.NO_SUCH_FILE), r.errors());
        assertFails(m, Op.batch(List.of(Op.mkdirs("/n"), Op.delete("/a/x"), Op.delete("/a/x"))),
            ErrorKind.NO_SUCH_FILE);
    }

    @Test
    void operationsEncodeToOneLineAndBack()
    {
        final Op b = Op.batch(List.of(Op.write("/a/b", "w1-7"), Op.delete("/c"), Op.move("/a", "/b/a"),
            Op.mkdirs("/x/y")));
        assertEquals(b, Op.decode(b.encode()));
        assertFalse(b.encode().contains("\t") || b.encode().contains("\n"));
        assertEquals(4, b.toTreeOps().size());
        assertThrows(IllegalArgumentException.class, () -> Op.decode("X|/a"));
        assertThrows(IllegalArgumentException.class, () -> Op.batch(List.of(b)));
    }
}
