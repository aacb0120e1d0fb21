package io.wpsync.coordinator.it;

import io.wpsync.coordinator.CoordinatorMain;
import io.wpsync.coordinator.zk.ClusterStore;
import io.wpsync.core.cluster.CoordinatorInfo;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real coordinator daemon in its own JVM ({@link CoordinatorMain} on the test class path), so a
 * test can crash it for real: {@link #kill()} is SIGKILL. The process closes nothing on its way
 * out: no ZooKeeper close-session, no delete of its latch or registration nodes, its sockets are
 * reset by the kernel; the ensemble expires its session after the session timeout, exactly as
 * after a node failure. Output goes to a log file, quoted in failure messages.
 */
final class CoordinatorProcess implements AutoCloseable {
  final String id;
  private final Process process;
  private final Path log;

  private CoordinatorProcess(String id, Process process, Path log) {
    this.id = id;
    this.process = process;
    this.log = log;
  }

  /** Starts {@code --id id} on loopback with ephemeral ports; {@code flags} are the remaining flags. */
  static CoordinatorProcess start(String id, Path dir, List<String> flags) throws IOException {
    Files.createDirectories(dir);
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"),
        CoordinatorMain.class.getName(),
        "--id", id,
        "--data", dir.resolve("data").toString(),
        "--http", "127.0.0.1:0",
        "--p2p", "127.0.0.1:0"));
    cmd.addAll(flags);
    Path log = dir.resolve("coordinator.log");
    Process p = new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .start();
    return new CoordinatorProcess(id, p, log);
  }

  /** Waits until it registered in ZooKeeper and returns its admin API URL. */
  String awaitHttpUrl(ClusterStore zk, Duration timeout) throws Exception {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      if (!process.isAlive()) {
        throw new IllegalStateException(id + " exited with " + process.exitValue() + ":\n" + tail(40));
      }
      CoordinatorInfo info = zk.coordinators().get(id);
      if (info != null) {
        return info.httpUrl();
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException(id + " did not register within " + timeout.toSeconds() + " s:\n" + tail(40));
  }

  /** A crash: SIGKILL, then waits for the process to be gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException(id + " (pid " + process.pid() + ") survived SIGKILL for 10 s");
    }
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** The last lines of its log. */
  String tail(int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e.getMessage() + ")";
    }
  }

  /** A clean stop (SIGTERM, SIGKILL after 10 s) if it still runs. */
  @Override
  public void close() throws InterruptedException {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      kill();
    }
  }
}
