/**
 * The {@code pathlock} command ({@link io.pathlock.cli.PathlockCommand}): run, status, break, redo
 * and bench. An application module: it exports nothing and opens its commands to picocli, which
 * reads their annotations reflectively.
 */
module io.pathlock.cli {
    requires io.pathlock;
    requires io.pathlock.nativeio;
    requires info.picocli;
    requires HdrHistogram;
    // java-multilocks, a contender of "pathlock bench" (an automatic module named after its jar).
    requires multilock;

    opens io.pathlock.cli to info.picocli;

    provides java.lang.System.LoggerFinder with io.pathlock.cli.CliLoggerFinder;
}
