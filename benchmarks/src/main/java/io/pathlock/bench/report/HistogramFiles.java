package io.pathlock.bench.report;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes latency histograms where the report finds them: one {@code <stem>.hgrm} file per
 * histogram, HdrHistogram's percentile distribution ({@link Histogram#outputPercentileDistribution})
 * of a histogram recorded in <b>nanoseconds</b>, printed in <b>microseconds</b>
 * ({@value #TICKS_PER_HALF} ticks per half distance). Every harness that writes {@code .hgrm} files
 * for the report follows this convention.
 *
 * <p>Naming: {@code <area>-<scenario>-<contender>.hgrm}, e.g. {@code handoff-inprocess-pathlock.hgrm},
 * {@code handoff-xprocess-pathlock.hgrm}, {@code redo-begin64-redo.hgrm}. The report groups the
 * files of one {@code <area>-<scenario>} into one table and one chart, and looks up baselines and
 * targets for them in {@link Catalogue}.
 *
 * <p>Stateless and thread-safe.
 */
public final class HistogramFiles
{
    /** File name suffix. */
    public static final String SUFFIX = ".hgrm";

    /** Percentile ticks per half distance in the written distribution. */
    public static final int TICKS_PER_HALF = 10;

    /** Divisor from the recorded nanoseconds to the printed microseconds. */
    public static final double NANOS_PER_OUTPUT_UNIT = 1000.0;

    private HistogramFiles()
    {
    }

    /**
     * Writes {@code dir/stem.hgrm}, replacing any older file.
     *
     * @param dir the results directory (created if missing).
     * @param stem the file name without suffix, {@code <area>-<scenario>-<contender>}.
     * @param histogram a histogram of nanosecond values.
     * @return the file written.
     * @throws IOException if it cannot be written.
     */
    public static Path write(final Path dir, final String stem, final Histogram histogram) throws IOException
    {
        if (!stem.matches("[A-Za-z0-9._]+(-[A-Za-z0-9._]+)+"))
        {
            throw new IllegalArgumentException("stem must look like area-scenario-contender, got '" + stem + "'");
        }
        Files.createDirectories(dir);
        final Path file = dir.resolve(stem + SUFFIX);
        try (OutputStream os = Files.newOutputStream(file);
             PrintStream ps = new PrintStream(os, false, StandardCharsets.UTF_8))
        {
            histogram.outputPercentileDistribution(ps, TICKS_PER_HALF, NANOS_PER_OUTPUT_UNIT);
        }
        return file;
    }
}
