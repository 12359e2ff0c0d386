package io.pathlock.bench.report;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TargetTest
{
    private static final String P = Catalogue.PACKAGE;

    private static Target t(final String subject, final String baseline, final Target.Rule rule, final double limit)
    {
        return new Target("9.9", 9, "text", Selector.of(subject), baseline == null ? null : Selector.of(baseline), rule, limit,
            Target.Over.EACH, null, null);
    }

    @Test
    void ratioAtMostIsMetWithHeadroomOrMissedByPercent()
    {
        final List<Measurement> all = List.of(Fixtures.m(P + "A.engine", Map.of(), "avgt", 40, 2, "ns/op"),
            Fixtures.m(P + "A.mutex", Map.of(), "avgt", 10, 0.5, "ns/op"));
        final Target.Check met = t("A.engine", "A.mutex", Target.Rule.RATIO_AT_MOST, 8).check(all).get(0);
        assertEquals(Target.Status.MET, met.status());
        assertEquals(4.0, met.value(), 1e-9);
        assertEquals(4.0 * Math.sqrt(2 * 0.05 * 0.05), met.error(), 1e-9);
        assertTrue(met.verdictText().contains("**met**: 4.00x ≤ 8.00x (2.00x headroom)"), met.verdictText());
        assertTrue(met.measuredText().startsWith("4.00x ± 0.283 (A.engine 40.0 ns/op vs A.mutex 10.0 ns/op)"), met.measuredText());

        final Target.Check missed = t("A.engine", "A.mutex", Target.Rule.RATIO_AT_MOST, 3.2).check(all).get(0);
        assertEquals(Target.Status.MISSED, missed.status());
        assertTrue(missed.verdictText().contains("**missed** by 25%: 4.00x > 3.20x"), missed.verdictText());
    }

    /** A scaling target: the subject's ratio divided by the same ratio of another pair from the same run. */
    @Test
    void scalingTargetDividesByTheBaselinePairsRatio()
    {
        final List<Measurement> all = List.of(Fixtures.m(P + "D.engine2", Map.of(), "thrpt", 18, 0, "ops/us"),
            Fixtures.m(P + "D.engine1", Map.of(), "thrpt", 10, 0, "ops/us"),
            Fixtures.m(P + "D.mutex2", Map.of(), "thrpt", 40, 0, "ops/us"),
            Fixtures.m(P + "D.mutex1", Map.of(), "thrpt", 20, 0, "ops/us"));
        final Target scaling = t("D.engine2", "D.engine1", Target.Rule.RATIO_AT_LEAST, 0.9).relativeTo("D.mutex2", "D.mutex1");
        final Target.Check c = scaling.check(all).get(0);
        assertEquals(0.9, c.value(), 1e-9, "(18 / 10) / (40 / 20)");
        assertEquals(Target.Status.MET, c.status());
        assertTrue(c.measuredText().contains("divided by the same ratio of mutex2 vs mutex1"), c.measuredText());
        final Target.Check none = t("D.engine2", "D.engine1", Target.Rule.RATIO_AT_LEAST, 0.9).relativeTo("D.none2", "D.mutex1")
            .check(all).get(0);
        assertEquals(Target.Status.NOT_MEASURED, none.status());
    }

    @Test
    void ratioAtLeastForThroughput()
    {
        final List<Measurement> all = List.of(Fixtures.m(P + "D.two", Map.of(), "thrpt", 14, Double.NaN, "ops/us"),
            Fixtures.m(P + "D.one", Map.of(), "thrpt", 10, Double.NaN, "ops/us"));
        final Target.Check c = t("D.two", "D.one", Target.Rule.RATIO_AT_LEAST, 1.6).check(all).get(0);
        assertEquals(Target.Status.MISSED, c.status());
        assertTrue(c.verdictText().contains("**missed** by 13%: 1.40x < 1.60x"), c.verdictText());
        assertTrue(Double.isNaN(c.error()));
    }

    @Test
    void absoluteLimitOnALatencyMetric()
    {
        final List<Measurement> all = List.of(Fixtures.latency("handoff-xprocess-pathlock", 300, 4200));
        final Target.Check c = t("handoff-xprocess-pathlock#p99", null, Target.Rule.AT_MOST, 5000).check(all).get(0);
        assertEquals(Target.Status.MET, c.status());
        assertNull(c.base());
        assertTrue(c.verdictText().contains("4,200 ≤ 5,000"), c.verdictText());
        assertTrue(c.measuredText().startsWith("4,200 µs"), c.measuredText());
    }

    @Test
    void bestRowAndStandInWhenNotMeasured()
    {
        final List<Measurement> all = List.of(
            Fixtures.m(P + "posix.P.point", Map.of("backend", "JNI"), "avgt", 6.6, Double.NaN, "us/op"),
            Fixtures.m(P + "posix.P.point", Map.of("backend", "NIO"), "avgt", 12, Double.NaN, "us/op"),
            Fixtures.m(P + "posix.P.floor", Map.of(), "avgt", 6, Double.NaN, "us/op"));
        final Target best = t("posix.P.point", "posix.P.floor", Target.Rule.RATIO_AT_MOST, 1.5).best();
        final List<Target.Check> checks = best.check(all);
        assertEquals(1, checks.size());
        assertEquals("JNI", checks.get(0).row().param("backend"));
        assertEquals(Target.Status.MET, checks.get(0).status());

        final Target missing = t("file.F.point", "file.F.floor", Target.Rule.RATIO_AT_MOST, 1.5).best()
            .standIn("posix.P.point", "posix.P.floor");
        final Target.Check nm = missing.check(all).get(0);
        assertEquals(Target.Status.NOT_MEASURED, nm.status());
        assertTrue(nm.verdictText().contains("no result for `file.F.point`"), nm.verdictText());
        assertTrue(nm.verdictText().contains("P.point[backend=JNI] vs P.floor = 1.10x"), nm.verdictText());
    }

    /** An issue that asks for a figure without a number: the ratio is shown, neither met nor missed. */
    @Test
    void reportedTargetShowsTheRatioAndNoVerdict()
    {
        final List<Measurement> all = List.of(Fixtures.m(P + "R.safe", Map.of("store", "files"), "avgt", 300, 30, "us/op"),
            Fixtures.m(P + "R.safe", Map.of("store", "memory"), "avgt", 120, 12, "us/op"),
            Fixtures.m(P + "R.jdk", Map.of(), "avgt", 100, 10, "us/op"));
        final Target reported = new Target("9.9r", 9, "text", Selector.of("R.safe"), Selector.of("R.jdk"), Target.Rule.REPORTED,
            Double.NaN, Target.Over.EACH, null, null);
        final List<Target.Check> checks = reported.check(all);
        assertEquals(2, checks.size(), "one per store");
        final Target.Check files = checks.get(0);
        assertEquals(Target.Status.REPORTED, files.status());
        assertEquals(3.0, files.value(), 1e-9);
        assertEquals("reported: the issue sets no number (3.00x the baseline)", files.verdictText());
        assertTrue(files.measuredText().startsWith("3.00x ± 0.424 (R.safe[store=files] 300 us/op vs R.jdk 100 us/op)"),
            files.measuredText());
        assertEquals(1.2, checks.get(1).value(), 1e-9);

        final Target absolute = new Target("9.9a", 9, "text", Selector.of("R.jdk"), null, Target.Rule.REPORTED, Double.NaN,
            Target.Over.EACH, null, null);
        final Target.Check a = absolute.check(all).get(0);
        assertEquals(Target.Status.REPORTED, a.status());
        assertEquals("reported: the issue sets no number (100)", a.verdictText());
        assertTrue(a.measuredText().startsWith("100 us/op"), a.measuredText());

        final Target none = new Target("9.9n", 9, "text", Selector.of("R.none"), Selector.of("R.jdk"), Target.Rule.REPORTED,
            Double.NaN, Target.Over.EACH, null, null);
        assertEquals(Target.Status.NOT_MEASURED, none.check(all).get(0).status());
    }

    @Test
    void missingBaselineIsNotMeasured()
    {
        final List<Measurement> all = List.of(Fixtures.m(P + "A.engine", Map.of(), "avgt", 40, 2, "ns/op"));
        final Target.Check c = t("A.engine", "A.mutex", Target.Rule.RATIO_AT_MOST, 8).check(all).get(0);
        assertEquals(Target.Status.NOT_MEASURED, c.status());
        assertTrue(c.note().contains("no baseline A.mutex"), c.note());
    }

    @Test
    void everyCatalogueSelectorParsesAndEveryTargetNamesAnIssue()
    {
        for (final Target x : Catalogue.TARGETS)
        {
            assertTrue(x.issue() >= 2 && x.issue() <= 16, x.id());
            assertTrue(x.rule() == Target.Rule.REPORTED ? Double.isNaN(x.limit()) : x.limit() > 0, x.id());
        }
        assertTrue(Catalogue.COMPARISONS.size() > 10);
        assertEquals(Catalogue.Area.LOCK_FILES, Catalogue.areaOf(Fixtures.m(P + "file.X.y", Map.of(), "avgt", 1, 0, "")));
        assertEquals(Catalogue.Area.REDO, Catalogue.areaOf(Fixtures.m(P + "redo.X.y", Map.of(), "avgt", 1, 0, "")));
        assertEquals(Catalogue.Area.HANDOFF, Catalogue.areaOf(Fixtures.latency("handoff-xprocess-pathlock", 1, 2)));
        assertEquals(Catalogue.Area.REDO, Catalogue.areaOf(Fixtures.latency("redo-begin64-redo", 1, 2)));
        assertEquals(Catalogue.Area.LOCK_TABLE, Catalogue.areaOf(Fixtures.m(P + "NewBenchmark.x", Map.of(), "avgt", 1, 0, "")));
    }
}
