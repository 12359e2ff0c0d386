package io.pathlock.file;

import io.pathlock.core.LockRequest;
import io.pathlock.store.LockStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tree set up by one uid and used by another (the fault 7): with {@code file.mode=644} a
 * process of another user takes and respects locks on the same root. The other user is
 * {@code nobody}, entered with {@code setpriv}; the test needs to run as root to switch users.
 */
class MultiUserRootTest
{
    private Path root;
    private String classPath;
    private final java.util.List<Path> cleanup = new java.util.ArrayList<>();

    @BeforeEach
    void makeRoot() throws Exception
    {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/setpriv")),
            "switching users needs root and setpriv");
        root = Files.createTempDirectory(Path.of("/tmp"), "pathlock-multiuser-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxrwxrwx"));
        for (final String d : new String[] {"a", "b"})
        {
            Files.setPosixFilePermissions(Files.createDirectory(root.resolve(d)), PosixFilePermissions.fromString("rwxrwxrwx"));
        }
    }

    @AfterEach
    void removeRoot() throws Exception
    {
        if (root != null)
        {
            cleanup.add(root);
        }
        for (final Path dir : cleanup)
        {
            try (Stream<Path> s = Files.walk(dir))
            {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private ChildProcess asNobody(final String... args) throws Exception
    {
        return ChildProcess.start(List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"),
            List.of("-Dpathlock.file.mode=644", "-cp", readableClassPath()), FileLockChild.class, args);
    }

    /**
     * This JVM's class path as the other user can read it: entries below root's home (the Maven
     * repository) are copied next to the tree; a manifest-only booter jar is expanded first.
     */
    private String readableClassPath() throws Exception
    {
        if (classPath != null)
        {
            return classPath;
        }
        final Path cp = Files.createDirectories(root.getParent().resolve(root.getFileName() + "-cp"));
        Files.setPosixFilePermissions(cp, PosixFilePermissions.fromString("rwxr-xr-x"));
        cleanup.add(cp);
        final java.util.List<Path> entries = new java.util.ArrayList<>();
        for (final String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator))
        {
            final Path p = Path.of(e);
            entries.add(p);
            if (e.endsWith(".jar") && Files.isRegularFile(p))
            {
                try (java.util.jar.JarFile jar = new java.util.jar.JarFile(p.toFile()))
                {
                    final java.util.jar.Manifest m = jar.getManifest();
                    final String more = m == null ? null : m.getMainAttributes().getValue("Class-Path");
                    if (more != null)
                    {
                        for (final String u : more.trim().split("\\s+"))
                        {
                            entries.add(Path.of(java.net.URI.create(u)));
                        }
                    }
                }
            }
        }
        final StringBuilder out = new StringBuilder();
        int i = 0;
        for (final Path p : entries)
        {
            Path use = p;
            if (p.startsWith(Path.of(System.getProperty("user.home"))) && Files.isRegularFile(p))
            {
                use = cp.resolve((i++) + "-" + p.getFileName());
                Files.copy(p, use);
                Files.setPosixFilePermissions(use, PosixFilePermissions.fromString("rw-r--r--"));
            }
            if (out.length() > 0)
            {
                out.append(java.io.File.pathSeparator);
            }
            out.append(use);
        }
        classPath = out.toString();
        return classPath;
    }

    @Test
    void anotherUserSharesTheRootWithMode644() throws Exception
    {
        try (FileLockStore mine = FileLockStore.builder(root).fileMode(0644).build())
        {
            final LockStore.PublishResult held = mine.tryPublish("root-owner", LockRequest.subtree("/a").entries());
            assertTrue(held.isGranted());
            assertTrue(mine.nextFencingToken() > 0);
            try (ChildProcess c = asNobody("publish", root.toString(), "/b/x"))
            {
                final String line = c.expectAny("GRANTED", "ERROR", "REFUSED");
                assertTrue(line.startsWith("GRANTED"), "another uid could not lock in the shared root: " + line);
            }
            try (ChildProcess c = asNobody("publish", root.toString(), "/a/y"))
            {
                final String line = c.expectAny("GRANTED", "ERROR", "REFUSED");
                assertTrue(line.startsWith("REFUSED") && line.contains("root-owner"),
                    "another uid must see root's SUBTREE /a: " + line);
            }
        }
    }
}
