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
import org.neo4j.io.fs.DefaultFileSystemAbstraction;
import org.neo4j.kernel.impl.security.User;
import org.neo4j.logging.NullLogProvider;
import org.neo4j.memory.EmptyMemoryTracker;
import org.neo4j.server.security.SecureHasher;
import org.neo4j.server.security.SystemGraphCredential;
import org.neo4j.server.security.auth.CommunitySecurityModule;
import org.neo4j.server.security.auth.FileUserRepository;
import org.neo4j.string.UTF8;

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
        boolean newStore = !Files.exists(home.resolve("data").resolve("databases").resolve("system"));
        if (!Files.exists(authMarker) && newStore) {
            // First start of a new store: the initial user file (what `neo4j-admin dbms
            // set-initial-password` writes) gives the system database its password as it is
            // created, so no client ever sees the default one and the DBMS starts only once.
            writeInitialPassword(home, password);
            Files.writeString(authMarker, "password set from " + passwordFile + "\n", StandardCharsets.UTF_8);
        } else if (!Files.exists(authMarker)) {
            // A store created without this launcher: set the password with Bolt closed.
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
        long uptime = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime();
        long cpuMs = ((com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1_000_000;
        System.out.println("neo4j-launcher: ready on bolt://127.0.0.1:" + port + " home=" + home + " in "
                + uptime + " ms since JVM start, " + cpuMs + " ms CPU ("
                + (newStore ? "new store" : "existing store") + ")");
        System.out.flush();
        stopped.await();
    }

    /** Write {@code data/dbms/auth.ini}: the {@code neo4j} user with this password, no change required. */
    private static void writeInitialPassword(Path home, String password) throws Exception {
        org.neo4j.configuration.Config config = org.neo4j.configuration.Config.newBuilder()
                .set(GraphDatabaseSettings.neo4j_home, home)
                .build();
        Path file = CommunitySecurityModule.getInitialUserRepositoryFile(config);
        try (DefaultFileSystemAbstraction fs = new DefaultFileSystemAbstraction()) {
            fs.mkdirs(file.getParent());
            if (fs.fileExists(file)) {
                fs.deleteFile(file);
            }
            FileUserRepository users =
                    new FileUserRepository(fs, file, NullLogProvider.getInstance(), EmptyMemoryTracker.INSTANCE);
            users.start();
            users.create(new User("neo4j", null,
                    SystemGraphCredential.createCredentialForPassword(UTF8.encode(password), new SecureHasher()),
                    false, false));
            users.shutdown();
        }
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
                .setConfig(GraphDatabaseSettings.transaction_timeout, Duration.ofMinutes(10))
                // Neo4j keeps two days of transaction logs by default: repeated province ingests
                // filled tens of GB. Recovery needs only the logs since the last checkpoint;
                // backups are kg db backup exports, not logs.
                .setConfig(GraphDatabaseSettings.keep_logical_logs, "512M size");
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
