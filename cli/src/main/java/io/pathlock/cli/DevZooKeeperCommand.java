package io.pathlock.cli;

import io.pathlock.store.LockStoreProvider;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code pathlock dev-zookeeper}: a single-node ZooKeeper server in this JVM for trying
 * {@code --zookeeper} on one machine. Its data lives in a temporary directory that is deleted when the
 * server stops; it runs until killed (SIGTERM, SIGINT: the shutdown hook stops the server and deletes
 * the directory). Not for production. Exit status: 128 + the signal when killed, 69 when the
 * ZooKeeper store is not available, 74 when the server cannot start (the port is taken, say).
 */
@Command(
    name = "dev-zookeeper",
    mixinStandardHelpOptions = true,
    header = "Runs a throw-away single-node ZooKeeper for trying --zookeeper.",
    description = {"Starts a single-node ZooKeeper server in this process on 127.0.0.1:PORT, with its data in a " +
        "temporary directory, and runs until killed (Ctrl-C or SIGTERM stop it and delete the directory).",
        "",
        "NOT FOR PRODUCTION: one node, no replication, data thrown away. Point real hosts at a real ensemble."},
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
        "143:stopped by SIGTERM (130: SIGINT)",
        "69:the ZooKeeper store is not available (module path)",
        "74:the server could not start (the port is taken, say)"})
final class DevZooKeeperCommand implements Callable<Integer>
{
    @Option(names = "--port", paramLabel = "PORT", defaultValue = "2181",
        description = "Port on 127.0.0.1 (default ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception
    {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        if (port < 0 || port > 65535)
        {
            throw new IllegalArgumentException("--port: " + port + " is not 0 to 65535");
        }
        final LockStoreProvider provider = RootOptions.provider("zookeeper");
        final Path data = Files.createTempDirectory("pathlock-dev-zookeeper-");
        final LockStoreProvider.DevServer server;
        try
        {
            server = provider.startDevServer(port, data);
        }
        catch (final IOException | RuntimeException | LinkageError e)
        {
            deleteTree(data);
            err.println("pathlock dev-zookeeper: could not start a ZooKeeper server on 127.0.0.1:" + port + ": " + e);
            return RunCommand.EXIT_IO;
        }
        final CountDownLatch stopped = new CountDownLatch(1);
        final Thread hook = new Thread(() ->
        {
            server.close();
            deleteTree(data);
            err.println("pathlock dev-zookeeper: stopped, deleted " + data);
            err.flush();
            stopped.countDown();
        }, "pathlock-dev-zookeeper-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("=====================================================================");
        out.println(" pathlock dev-zookeeper: a single-node ZooKeeper for trying pathlock.");
        out.println(" NOT FOR PRODUCTION: one node, no replication, data deleted on exit.");
        out.println("=====================================================================");
        out.println("connect string: " + server.connectString());
        out.println("data directory: " + data);
        out.println("try: pathlock run --zookeeper " + server.connectString() + " --point /demo -- sleep 30");
        out.println("running until killed (Ctrl-C or SIGTERM)");
        out.flush();
        if (!PathlockCommand.isProcess())
        {
            // Executed inside a test's JVM: nothing would ever kill it.
            Runtime.getRuntime().removeShutdownHook(hook);
            hook.run();
            return 0;
        }
        stopped.await();
        return 0;
    }

    private static void deleteTree(final Path dir)
    {
        try
        {
            Files.walkFileTree(dir, new SimpleFileVisitor<>()
            {
                @Override
                public FileVisitResult visitFile(final Path file, final BasicFileAttributes attrs) throws IOException
                {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(final Path d, final IOException e) throws IOException
                {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        }
        catch (final IOException e)
        {
            System.err.println("pathlock dev-zookeeper: could not delete " + dir + ": " + e);
        }
    }
}
