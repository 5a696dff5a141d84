package kg;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;

/**
 * Runs Neo4j Community embedded with the Bolt connector on 127.0.0.1.
 *
 * <p>Arguments: {@code --home DIR --port N --pagecache SIZE --password-file FILE [--parent-pid PID]}.
 * The heap is set on the java command line ({@code -Xmx}). Authentication stays on: the password
 * of the {@code neo4j} user is read from the password file and applied at every start. A JVM
 * shutdown hook (run on SIGTERM and Ctrl-C) shuts the database down cleanly.
 *
 * <p>With {@code --parent-pid}, a watchdog thread exits (through the same shutdown hook) as soon
 * as that process is gone, so a killed test run leaves no server behind. {@code kg db start}
 * detaches on purpose and passes no parent. The home folder is made owner-only (0700); the
 * caller starts the JVM with umask 077 so every store and log file is created 0600.
 */
public final class Launcher {
    private Launcher() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = parse(args);
        Path home = Path.of(opts.getOrDefault("--home", "var/neo4j")).toAbsolutePath();
        int port = Integer.parseInt(opts.getOrDefault("--port", "7687"));
        String pagecache = opts.getOrDefault("--pagecache", "512m");
        Path passwordFile = Path.of(opts.getOrDefault("--password-file", home.resolve("password").toString()));
        String password = Files.readString(passwordFile, StandardCharsets.UTF_8).strip();

        Files.createDirectories(home);
        try {
            Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException e) {
            System.out.println("neo4j-launcher: cannot restrict " + home + " (no POSIX permissions)");
        }
        String parent = opts.get("--parent-pid");
        if (parent != null) {
            watchParent(Long.parseLong(parent));
        }
        Path authMarker = home.resolve("auth-initialised");
        if (!Files.exists(authMarker)) {
            // First start: set the password with Bolt closed, so no client ever sees the default one.
            DatabaseManagementService setup = builder(home, pagecache).setConfig(BoltConnector.enabled, false).build();
            try {
                setup.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
                        "ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED", Map.of("pw", password));
            } finally {
                setup.shutdown();
            }
            Files.writeString(authMarker, "password set from " + passwordFile + "\n", StandardCharsets.UTF_8);
        }
        DatabaseManagementService service = builder(home, pagecache)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .build();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("neo4j-launcher: shutting down");
            service.shutdown();
            stopped.countDown();
        }, "neo4j-shutdown"));

        // Touch the default database so it is online before we announce readiness.
        service.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME).executeTransactionally("RETURN 1");
        System.out.println("neo4j-launcher: ready on bolt://127.0.0.1:" + port + " home=" + home);
        System.out.flush();
        stopped.await();
    }

    /** Exit (running the shutdown hook) once process {@code pid} has ended. */
    private static void watchParent(long pid) {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty() || !handle.get().isAlive()) {
            System.out.println("neo4j-launcher: parent " + pid + " is gone; exiting");
            System.exit(3);
        }
        Thread watchdog = new Thread(() -> {
            while (handle.get().isAlive()) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
            System.out.println("neo4j-launcher: parent " + pid + " ended; shutting down");
            System.exit(0);
        }, "parent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    private static DatabaseManagementServiceBuilder builder(Path home, String pagecache) {
        return new DatabaseManagementServiceBuilder(home)
                .setConfig(HttpConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.parse(pagecache))
                .setConfig(GraphDatabaseSettings.transaction_timeout, Duration.ofMinutes(10));
    }

    private static Map<String, String> parse(String[] args) throws IOException {
        java.util.HashMap<String, String> out = new java.util.HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IOException("unexpected argument: " + args[i]);
            }
            out.put(args[i], args[i + 1]);
        }
        return out;
    }
}
