package io.pathlock.file;

import io.pathlock.core.LockType;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Dialect}, {@link LockTokenDescriptor} and {@link SidecarNames}: the byte formats. */
class DialectTokenTest
{
    private static LockTokenDescriptor.Token parse(final String s)
    {
        final byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return LockTokenDescriptor.parse(b, b.length);
    }

    @Test
    void eachDialectWritesItsOwnLettersAndWallClockTime()
    {
        final String prefix = LockTokenDescriptor.ownerPrefix(true, 42, "host", "00ff");
        final long wall = 1_764_650_000_123_456_789L;
        assertEquals("pl1|42|host|00ff|w:1764650000123456789:E",
            new String(LockTokenDescriptor.encode(prefix, "w", wall, LockType.POINT, Dialect.RAGFS), StandardCharsets.UTF_8));
        assertEquals("pl1|42|host|00ff|w:1764650000123456789:T",
            new String(LockTokenDescriptor.encode(prefix, "w", wall, LockType.SUBTREE, Dialect.RAGFS), StandardCharsets.UTF_8));
        assertEquals("pl1|42|host|00ff|w:1764650000123456789:P",
            new String(LockTokenDescriptor.encode(prefix, "w", wall, LockType.POINT, Dialect.OV431), StandardCharsets.UTF_8));
        assertEquals("pl1|42|host|00ff|w:1764650000123456789:S",
            new String(LockTokenDescriptor.encode(prefix, "w", wall, LockType.SUBTREE, Dialect.OV431), StandardCharsets.UTF_8));
    }

    @Test
    void ourOwnerIdsHaveNoColonSoRagfsSplitsThemAtTheSamePlace()
    {
        final String prefix = LockTokenDescriptor.ownerPrefix(true, 7, "h:o:st", "ab:cd");
        final String token = new String(LockTokenDescriptor.encode(prefix, "job", 5, LockType.POINT, Dialect.RAGFS),
            StandardCharsets.UTF_8);
        // ragfs: owner is everything before the FIRST ':'; ov431: everything before the last two.
        final String ragfsOwner = token.substring(0, token.indexOf(':'));
        final String rest = token.substring(0, token.lastIndexOf(':'));
        final String ov431Owner = rest.substring(0, rest.lastIndexOf(':'));
        assertEquals(ragfsOwner, ov431Owner);
        assertEquals(ragfsOwner, parse(token).ownerId());
    }

    @Test
    void parsesAllFourLettersAndNamesTheirDialect()
    {
        assertEquals(Dialect.OV431, parse("o:1:P").dialect());
        assertEquals(LockType.SUBTREE, parse("o:1:S").type());
        assertEquals(Dialect.RAGFS, parse("o:1:E").dialect());
        assertEquals(LockType.POINT, parse("o:1:E").type());
        assertEquals(LockType.SUBTREE, parse("o:1:T").type());
        assertEquals(LockTokenDescriptor.Origin.FOREIGN, parse("o:1:T").origin());
        assertNull(parse("o:1:X"));
        assertNull(parse("o:x1:E"));
        assertNull(parse("o:1:E:1"));
        assertNull(parse("no-colons"));
    }

    @Test
    void oldOwnerFormatStillParsesAndKeepsFlockLiveness()
    {
        final LockTokenDescriptor.Token t = parse("pl1|99|host|0011223344556677|job:123:T");
        assertEquals(LockTokenDescriptor.Origin.FLOCK, t.origin());
        assertEquals(99, t.pid());
        assertEquals("job", t.handleOwnerId());
    }

    @Test
    void dialectNamesParseAndBadOnesAreNamed()
    {
        assertEquals(Dialect.OV431, Dialect.parse("OV431"));
        assertEquals(Dialect.RAGFS, Dialect.parse(" ragfs "));
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Dialect.parse("ragfs2"));
        assertTrue(e.getMessage().contains("ragfs2"), e.getMessage());
        assertEquals(Dialect.RAGFS, Dialect.DEFAULT);
        assertEquals(30, Dialect.RAGFS.expire().toSeconds());
        assertEquals(300, Dialect.OV431.expire().toSeconds());
    }

    @Test
    void sidecarNamesMatchRagfs()
    {
        assertEquals("hello_world", SidecarNames.safeName("hello world"));
        assertEquals("a_b", SidecarNames.safeName("a/b"));
        assertEquals("ok.txt", SidecarNames.safeName("ok.txt"));
        assertEquals("path", SidecarNames.safeName("中文名"));
        assertEquals("path", SidecarNames.safeName(""));
        assertEquals("path", SidecarNames.safeName("._."));
        assertEquals(".exact.ovlock.name..txt.591847f8876e86f7", SidecarNames.sidecarName("/data/中文 name..txt"));
        assertEquals(80, SidecarNames.safeName("x".repeat(200)).length());
        assertEquals("name..txt", SidecarNames.displayName(".exact.ovlock.name..txt.591847f8876e86f7"));
    }
}
