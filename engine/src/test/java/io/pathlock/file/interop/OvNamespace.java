package io.pathlock.file.interop;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Maps OpenViking path strings to files under one root directory R that OpenViking names
 * {@code prefix} ({@code ""} when R is OpenViking's {@code /}).
 */
final class OvNamespace
{
    final Path root;
    final String prefix;

    OvNamespace(final Path root, final String ovPrefix)
    {
        this.root = Objects.requireNonNull(root, "root");
        Objects.requireNonNull(ovPrefix, "ovPrefix");
        if (!ovPrefix.isEmpty())
        {
            checkSegments(ovPrefix, "ovPrefix");
        }
        this.prefix = ovPrefix;
    }

    /** @return the OpenViking path of lockPath ({@code /} → the prefix, or {@code /} when it is empty) */
    String ovPath(final String lockPath)
    {
        Objects.requireNonNull(lockPath, "lockPath");
        if ("/".equals(lockPath))
        {
            return prefix.isEmpty() ? "/" : prefix;
        }
        checkSegments(lockPath, "lockPath");
        return prefix + lockPath;
    }

    /** @return the file of an OpenViking path, or null when it is outside R (not modelled) */
    Path disk(final String ovPath)
    {
        if (prefix.isEmpty())
        {
            if ("/".equals(ovPath))
            {
                return root;
            }
            return ovPath.startsWith("/") && !ovPath.startsWith("//") ? root.resolve(ovPath.substring(1)) : null;
        }
        if (ovPath.equals(prefix))
        {
            return root;
        }
        if (ovPath.startsWith(prefix + "/") && ovPath.length() > prefix.length() + 1)
        {
            return root.resolve(ovPath.substring(prefix.length() + 1));
        }
        return null;
    }

    private static void checkSegments(final String p, final String what)
    {
        if (!p.startsWith("/") || p.endsWith("/"))
        {
            throw new IllegalArgumentException(what + " must look like /a/b: " + p);
        }
        for (final String segment : p.substring(1).split("/", -1))
        {
            if (segment.isEmpty() || ".".equals(segment) || "..".equals(segment))
            {
                throw new IllegalArgumentException(what + " has an empty, . or .. segment: " + p);
            }
        }
    }
}
