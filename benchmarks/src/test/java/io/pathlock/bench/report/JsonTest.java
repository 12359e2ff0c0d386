package io.pathlock.bench.report;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonTest
{
    @Test
    void readsJmhShapedDocuments()
    {
        final Object doc = Json.parse(Fixtures.jmhArray(List.of(
            Fixtures.jmhRow("a.B.c", "avgt", 1, Map.of("depth", "4"), 12.5, Double.NaN, "ns/op"))));
        final Map<?, ?> row = (Map<?, ?>)((List<?>)doc).get(0);
        assertEquals("a.B.c", row.get("benchmark"));
        assertEquals(Map.of("depth", "4"), row.get("params"));
        final Map<?, ?> pm = (Map<?, ?>)row.get("primaryMetric");
        assertEquals(12.5, Json.number(pm.get("score")));
        assertTrue(Double.isNaN(Json.number(pm.get("scoreError"))), "JMH writes NaN as a string");
    }

    @Test
    void readsEscapesLiteralsAndNumbers()
    {
        final Object v = Json.parse("{\"s\":\"a\\\"b\\\\c\\u00e9\\n\",\"t\":true,\"f\":false,\"n\":null,\"x\":-1.5e3,\"e\":[]}");
        final Map<?, ?> m = (Map<?, ?>)v;
        assertEquals("a\"b\\cé\n", m.get("s"));
        assertEquals(Boolean.TRUE, m.get("t"));
        assertEquals(Boolean.FALSE, m.get("f"));
        assertTrue(m.containsKey("n") && m.get("n") == null);
        assertEquals(-1500.0, m.get("x"));
        assertEquals(List.of(), m.get("e"));
    }

    @Test
    void namesTheOffsetOfASyntaxError()
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse("[1, 2,, 3]"));
        assertTrue(e.getMessage().contains("offset 6"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\":1} x"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("[1"));
    }
}
