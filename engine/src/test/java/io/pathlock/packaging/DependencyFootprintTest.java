package io.pathlock.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Issue 10, item 4: what a project that depends on pathlock-engine receives. The engine's POM
 * declares exactly two dependencies that reach its users, pathlock-native and Agrona (3 jars,
 * 0.84 MB with the engine, measured with a consumer module and {@code dependency:tree}; before: 16
 * jars, 5.49 MB); jnr-posix is optional and HdrHistogram is gone. A new compile or runtime
 * dependency has to be added here on purpose.
 */
class DependencyFootprintTest
{
    @Test
    void onlyNativeAndAgronaReachTheEnginesUsers() throws Exception
    {
        final Path pom = Path.of("pom.xml").toAbsolutePath();
        assertTrue(Files.exists(pom) && Files.readString(pom).contains("<artifactId>pathlock-engine</artifactId>"),
            "run from the engine module: " + pom);
        final DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        final Document doc = f.newDocumentBuilder().parse(pom.toFile());
        final Element dependencies = child(doc.getDocumentElement(), "dependencies");
        final Set<String> reaching = new TreeSet<>();
        final List<String> optional = new ArrayList<>();
        final NodeList deps = dependencies.getElementsByTagName("dependency");
        for (int i = 0; i < deps.getLength(); i++)
        {
            final Element d = (Element)deps.item(i);
            final String id = text(d, "groupId") + ":" + text(d, "artifactId");
            final String scope = text(d, "scope");
            if ("test".equals(scope) || "provided".equals(scope))
            {
                continue;
            }
            if ("true".equals(text(d, "optional")))
            {
                optional.add(id);
                continue;
            }
            reaching.add(id);
        }
        assertEquals(Set.of("io.pathlock:pathlock-native", "org.agrona:agrona"), reaching);
        assertEquals(List.of("com.github.jnr:jnr-posix"), optional);
    }

    private static Element child(final Element parent, final String name)
    {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling())
        {
            if (n instanceof Element e && e.getTagName().equals(name))
            {
                return e;
            }
        }
        throw new AssertionError("no <" + name + "> in " + parent.getTagName());
    }

    private static String text(final Element e, final String name)
    {
        final NodeList l = e.getElementsByTagName(name);
        return l.getLength() == 0 ? null : l.item(0).getTextContent().trim();
    }
}
