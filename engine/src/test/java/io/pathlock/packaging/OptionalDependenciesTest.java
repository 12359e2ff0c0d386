package io.pathlock.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, item 4: jnr-posix is an optional dependency of the engine. A lock-file store runs in a
 * JVM whose class path lacks jnr-posix (and its jars) and pathlock-native: it falls back to java.nio
 * cleanly, and the log says which backend runs and why the better ones were not used. With both
 * present, no jnr class is even loaded when the JNI backend works.
 */
class OptionalDependenciesTest
{
    @TempDir
    Path dir;

    @Test
    void withoutJnrAndNativeTheStoreFallsBackToNioAndSaysWhy() throws Exception
    {
        final String cp = ChildJvms.classPathWithout(e -> ChildJvms.isJnr(e) || ChildJvms.isNative(e));
        final ChildJvms.Result r = ChildJvms.run(ChildJvms.command(
            "-cp", cp, FileStoreChild.class.getName(), dir.resolve("root").toString()));
        final String out = r.output();
        assertEquals(0, r.exitCode(), out);
        assertTrue(out.contains("jnr visible: false") && out.contains("native visible: false"), out);
        assertTrue(out.contains("CHILD-OK"), out);
        assertFalse(out.contains("NoClassDefFoundError") || out.contains("ClassNotFoundException: jnr"), out);
        // The start line names the backend and the reasons; the warnings say it fell back and what that costs.
        assertTrue(out.contains("pathlock lock-file store opened: file:"), out);
        assertTrue(out.contains("fell back to the nio backend: jni unavailable: pathlock-native (io.pathlock.nativeio)"
            + " is not on the class path"), out);
        assertTrue(out.contains("jnr unavailable: jnr-posix is not on the class path (an optional dependency of"
            + " pathlock-engine"), out);
        assertTrue(out.contains("has no flock") && out.contains("stay until they expire"), out);
    }

    @Test
    void withoutJnrTheStoreRunsJniWithoutWarnings() throws Exception
    {
        final String cp = ChildJvms.classPathWithout(ChildJvms::isJnr);
        final ChildJvms.Result r = ChildJvms.run(ChildJvms.command(
            "-cp", cp, FileStoreChild.class.getName(), dir.resolve("root").toString()));
        final String out = r.output();
        assertEquals(0, r.exitCode(), out);
        assertTrue(out.contains("jnr visible: false") && out.contains("CHILD-OK"), out);
        assertTrue(out.contains("store: file:") && out.contains("(jni"), out);
        assertFalse(out.contains("WARNING"), out);
    }

    @Test
    void theJniBackendLoadsNoJnrClass() throws Exception
    {
        final List<String> cmd = ChildJvms.command("-verbose:class", "-cp", System.getProperty("java.class.path"),
            FileStoreChild.class.getName(), dir.resolve("root").toString(), "noprobe");
        final ChildJvms.Result r = ChildJvms.run(cmd);
        final String out = r.output();
        assertEquals(0, r.exitCode(), out);
        assertTrue(out.contains("CHILD-OK") && out.contains("(jni"), out);
        assertTrue(out.contains("[class,load] io.pathlock.posix.JniPosix"), "the log shows class loading");
        final List<String> jnr = out.lines().filter(l -> l.contains("[class,load] jnr.")
            || l.contains("[class,load] io.pathlock.posix.JnrPosix")).toList();
        assertEquals(List.of(), jnr);
    }
}
