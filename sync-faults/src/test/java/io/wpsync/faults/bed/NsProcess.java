package io.wpsync.faults.bed;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A process running in a host's network namespace ({@code ip netns exec NS cmd…}, which execs, so
 * the process id is the command's own), its output appended to a log file. {@link #kill()} is a
 * real crash (SIGKILL: no shutdown hook, no ZooKeeper close-session, sockets reset by the kernel);
 * {@link #stop()} asks politely first (SIGTERM, then SIGKILL after a grace). Both take the process
 * tree.
 */
public final class NsProcess implements AutoCloseable {
  /** Flags of every child JVM: small heap, C1 only, serial GC, so a dozen fit on two cores. */
  public static final List<String> LEAN_JVM = List.of("-Xmx256m", "-Xss512k", "-XX:TieredStopAtLevel=1",
      "-XX:+UseSerialGC", "-XX:ActiveProcessorCount=1", "-Xshare:auto");

  private static final String START_MARK = "#### wpsync-faults start ";
  private final String name;
  private final Host host;
  private final Process process;
  private final Path log;
  private final long startedAt;

  private NsProcess(String name, Host host, Process process, Path log) {
    this.name = name;
    this.host = host;
    this.process = process;
    this.log = log;
    this.startedAt = System.currentTimeMillis();
  }

  /** Starts {@code command} in {@code host}'s namespace with its output appended to {@code log}. */
  public static NsProcess start(String name, Host host, List<String> command, Path log, Map<String, String> env)
      throws IOException {
    Files.createDirectories(log.getParent());
    Files.writeString(log, START_MARK + java.time.Instant.now() + " " + String.join(" ", command) + "\n",
        StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", host.ns()));
    cmd.addAll(command);
    ProcessBuilder pb = new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().keySet().removeIf(k -> k.startsWith("WPSYNC_") || k.equals("JAVA_TOOL_OPTIONS")
        || k.equals("JDK_JAVA_OPTIONS"));
    pb.environment().putAll(env);
    return new NsProcess(name, host, pb.start(), log);
  }

  /** {@code java LEAN_JVM jvmArgs… args…} with the JVM running the tests. */
  public static List<String> java(List<String> jvmArgs, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(LEAN_JVM);
    cmd.addAll(jvmArgs);
    cmd.addAll(args);
    return cmd;
  }

  public String name() {
    return name;
  }

  public Host host() {
    return host;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public long startedAt() {
    return startedAt;
  }

  public Path log() {
    return log;
  }

  /** The last {@code lines} lines of the log, for failure messages. */
  public String tail(int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e.getMessage() + ")";
    }
  }

  /** The log written since this process started (the log file is shared by restarts). */
  public String logSinceStart() {
    try {
      String all = Files.readString(log, StandardCharsets.UTF_8);
      int at = all.lastIndexOf(START_MARK);
      return at < 0 ? all : all.substring(at);
    } catch (IOException e) {
      return "";
    }
  }

  /** Whether the log contains {@code text} (logs are small: a few hundred lines). */
  public boolean logContains(String text) {
    return logSinceStart().contains(text);
  }

  /** SIGKILL, now, to the process and its descendants; waits (bounded) until it is gone. */
  public void kill() {
    List<ProcessHandle> tree = process.descendants().toList();
    process.destroyForcibly();
    tree.forEach(ProcessHandle::destroyForcibly);
    awaitExit(10);
  }

  /** SIGSTOP: the process freezes (its sockets stay open, it answers nothing). */
  public void freeze() throws IOException {
    Cmd.run("kill", "-STOP", Long.toString(pid()));
  }

  /** SIGCONT after {@link #freeze()}. */
  public void thaw() throws IOException {
    Cmd.run("kill", "-CONT", Long.toString(pid()));
  }

  /** SIGTERM, then SIGKILL if still alive after {@code graceSeconds}. */
  public void stop(int graceSeconds) {
    if (!process.isAlive()) {
      return;
    }
    List<ProcessHandle> tree = process.descendants().toList();
    process.destroy();
    if (!awaitExit(graceSeconds)) {
      process.destroyForcibly();
      awaitExit(5);
    }
    tree.forEach(ProcessHandle::destroyForcibly);
  }

  public void stop() {
    stop(10);
  }

  private boolean awaitExit(int seconds) {
    try {
      return process.waitFor(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public void close() {
    stop(5);
  }

  @Override
  public String toString() {
    return name + "[pid " + pid() + " on " + host + "]";
  }
}
