package io.pathlock.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import io.pathlock.LockManager;
import org.junit.jupiter.api.Test;

/**
 * The public API of the engine (every public or protected member of a public type in an exported
 * package) names no third-party type, so that an Agrona, jnr or HdrHistogram release can never break
 * pathlock's API (issue 10, item 3), and has no mutable public static field (item 5).
 */
class PublicApiTest
{
    private static final List<String> FOREIGN = List.of("org.agrona.", "jnr.", "org.HdrHistogram.", "com.kenai.");

    @Test
    void noThirdPartyTypeInAnyPublicSignature() throws Exception
    {
        final List<String> problems = new ArrayList<>();
        for (final Class<?> type : apiTypes())
        {
            final List<Type> used = new ArrayList<>();
            if (type.getGenericSuperclass() != null)
            {
                used.add(type.getGenericSuperclass());
            }
            used.addAll(List.of(type.getGenericInterfaces()));
            for (final Method m : type.getDeclaredMethods())
            {
                if (visible(m.getModifiers()) && !m.isSynthetic())
                {
                    used.add(m.getGenericReturnType());
                    used.addAll(List.of(m.getGenericParameterTypes()));
                    used.addAll(List.of(m.getGenericExceptionTypes()));
                }
            }
            for (final Constructor<?> c : type.getDeclaredConstructors())
            {
                if (visible(c.getModifiers()) && !c.isSynthetic())
                {
                    used.addAll(List.of(c.getGenericParameterTypes()));
                    used.addAll(List.of(c.getGenericExceptionTypes()));
                }
            }
            for (final Field f : type.getDeclaredFields())
            {
                if (visible(f.getModifiers()) && !f.isSynthetic())
                {
                    used.add(f.getGenericType());
                }
            }
            for (final Type t : used)
            {
                final Set<String> names = new TreeSet<>();
                collect(t, names);
                for (final String n : names)
                {
                    if (FOREIGN.stream().anyMatch(n::startsWith))
                    {
                        problems.add(type.getName() + " uses " + n);
                    }
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void noMutablePublicStaticField() throws Exception
    {
        final List<String> problems = new ArrayList<>();
        for (final Class<?> type : apiTypes())
        {
            for (final Field f : type.getDeclaredFields())
            {
                final int mod = f.getModifiers();
                if (!visible(mod) || f.isSynthetic() || f.isEnumConstant())
                {
                    continue;
                }
                if (!Modifier.isFinal(mod))
                {
                    problems.add(type.getName() + "." + f.getName() + " is not final");
                }
                else if (Modifier.isStatic(mod) && (f.getType().isArray()
                    || java.util.Collection.class.isAssignableFrom(f.getType()) && !isImmutable(f)
                    || java.util.Map.class.isAssignableFrom(f.getType()) && !isImmutable(f)))
                {
                    problems.add(type.getName() + "." + f.getName() + " is a mutable " + f.getType().getSimpleName());
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    private static boolean isImmutable(final Field f)
    {
        try
        {
            final Object value = f.get(null);
            final String cls = value.getClass().getName();
            return cls.startsWith("java.util.ImmutableCollections") || cls.startsWith("java.util.Collections$Unmodifiable");
        }
        catch (final IllegalAccessException ex)
        {
            return false;
        }
    }

    private static boolean visible(final int modifiers)
    {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static void collect(final Type t, final Set<String> names)
    {
        if (t instanceof Class<?> c)
        {
            names.add(c.isArray() ? c.getComponentType().getName() : c.getName());
        }
        else if (t instanceof ParameterizedType p)
        {
            collect(p.getRawType(), names);
            for (final Type a : p.getActualTypeArguments())
            {
                collect(a, names);
            }
        }
        else if (t instanceof GenericArrayType g)
        {
            collect(g.getGenericComponentType(), names);
        }
        else if (t instanceof WildcardType w)
        {
            for (final Type b : w.getUpperBounds())
            {
                collect(b, names);
            }
            for (final Type b : w.getLowerBounds())
            {
                collect(b, names);
            }
        }
        else if (t instanceof TypeVariable<?> v)
        {
            for (final Type b : v.getBounds())
            {
                if (b != Object.class)
                {
                    collect(b, names);
                }
            }
        }
    }

    /**
     * Public types (and their public nested types) of the packages the engine's module exports
     * without qualification; every package when the engine has no module descriptor.
     */
    static List<Class<?>> apiTypes() throws IOException, URISyntaxException, ClassNotFoundException
    {
        final Path location = Path.of(LockManager.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        final List<String> classNames = new ArrayList<>();
        ModuleDescriptor descriptor = null;
        if (Files.isDirectory(location))
        {
            try (Stream<Path> files = Files.walk(location))
            {
                files.filter(p -> p.toString().endsWith(".class")).forEach(p ->
                    classNames.add(location.relativize(p).toString().replace('/', '.').replaceAll("\\.class$", "")));
            }
            final Path mi = location.resolve("module-info.class");
            if (Files.exists(mi))
            {
                try (InputStream in = Files.newInputStream(mi))
                {
                    descriptor = ModuleDescriptor.read(in);
                }
            }
        }
        else
        {
            try (JarFile jar = new JarFile(location.toFile()))
            {
                jar.stream().map(e -> e.getName()).filter(n -> n.endsWith(".class"))
                    .forEach(n -> classNames.add(n.replace('/', '.').replaceAll("\\.class$", "")));
                if (jar.getEntry("module-info.class") != null)
                {
                    try (InputStream in = jar.getInputStream(jar.getEntry("module-info.class")))
                    {
                        descriptor = ModuleDescriptor.read(in);
                    }
                }
            }
        }
        final Set<String> exported = new TreeSet<>();
        if (descriptor != null)
        {
            descriptor.exports().stream().filter(e -> !e.isQualified()).forEach(e -> exported.add(e.source()));
        }
        final List<Class<?>> types = new ArrayList<>();
        for (final String name : classNames)
        {
            if (name.endsWith("module-info") || name.endsWith("package-info"))
            {
                continue;
            }
            final String pkg = name.substring(0, name.lastIndexOf('.'));
            if (descriptor != null && !exported.contains(pkg))
            {
                continue;
            }
            final Class<?> c = Class.forName(name, false, PublicApiTest.class.getClassLoader());
            if (isApi(c))
            {
                types.add(c);
            }
        }
        assertTrue(types.size() > 10, "found the API types: " + types);
        return types;
    }

    private static boolean isApi(final Class<?> c)
    {
        for (Class<?> k = c; k != null; k = k.getDeclaringClass())
        {
            if (!Modifier.isPublic(k.getModifiers()) || k.isSynthetic() || k.isAnonymousClass() || k.isLocalClass())
            {
                return false;
            }
        }
        return true;
    }

}
