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

    // The ZooKeeper store (pathlock-zookeeper) is found, not linked: its jars split packages and
    // cannot be read by a named module, so on the module path none is found and --zookeeper says so.
    uses io.pathlock.store.LockStoreProvider;

    provides java.lang.System.LoggerFinder with io.pathlock.cli.CliLoggerFinder;
}
