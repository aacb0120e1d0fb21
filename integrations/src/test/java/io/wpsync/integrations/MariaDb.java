package io.wpsync.integrations;

import io.wpsync.cli.demo.ChildProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private MariaDB server for one test: its own data directory under the test's temp dir, a unix
 * socket there and a port on 127.0.0.1, no grant tables (anyone on loopback may connect as root with
 * no password), never the system's instance. Closing stops it.
 */
final class MariaDb implements AutoCloseable {
  private final ChildProcess server;
  private final Path socket;
  private final int port;
  private final Path client;

  private MariaDb(ChildProcess server, Path socket, int port, Path client) {
    this.server = server;
    this.socket = socket;
    this.port = port;
    this.client = client;
  }

  /** Initialises a data directory under {@code dir}, starts the server and waits for its socket. */
  static MariaDb start(Path dir, Path mariadbd, Path installDb, Path client) throws IOException, InterruptedException {
    Path data = dir.resolve("data");
    Files.createDirectories(dir);
    boolean root = "root".equals(System.getProperty("user.name"));
    List<String> init = new ArrayList<>(List.of(installDb.toString(), "--no-defaults", "--datadir=" + data,
        "--auth-root-authentication-method=normal", "--skip-test-db"));
    if (root) {
      init.add("--user=root");
    }
    Process p = new ProcessBuilder(init).redirectErrorStream(true).redirectOutput(dir.resolve("install-db.log").toFile())
        .start();
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException("mariadb-install-db failed: " + Files.readString(dir.resolve("install-db.log")));
    }
    int port = WpsyncCluster.freePort();
    Path socket = dir.resolve("mysqld.sock");
    List<String> cmd = new ArrayList<>(List.of(mariadbd.toString(), "--no-defaults", "--datadir=" + data,
        "--socket=" + socket, "--port=" + port, "--bind-address=127.0.0.1", "--skip-grant-tables",
        "--skip-log-bin", "--skip-name-resolve", "--innodb-buffer-pool-size=32M", "--innodb-log-file-size=8M",
        "--max-connections=100", "--pid-file=" + dir.resolve("mysqld.pid"), "--tmpdir=" + Files.createDirectories(dir.resolve("tmp"))));
    if (root) {
      cmd.add("--user=root");
    }
    ChildProcess server = ChildProcess.start("mariadbd", cmd, dir.resolve("mariadbd.log"));
    MariaDb db = new MariaDb(server, socket, port, client);
    for (int i = 0; i < 300 && !Files.exists(socket); i++) {
      if (!server.isAlive()) {
        throw new IOException("mariadbd exited:\n" + server.tail(30));
      }
      Thread.sleep(100);
    }
    if (!Files.exists(socket)) {
      db.close();
      throw new IOException("mariadbd did not open " + socket + " in 30 s:\n" + server.tail(30));
    }
    return db;
  }

  /** host:port for PHP's mysqli (DB_HOST). */
  String host() {
    return "127.0.0.1:" + port;
  }

  /** Runs SQL as root through the socket. */
  void sql(String statement) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(client.toString(), "--no-defaults", "--socket=" + socket, "-uroot", "-e", statement)
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("mariadb -e '" + statement + "' failed: " + out);
    }
  }

  @Override
  public void close() {
    server.close();
  }
}
