package io.wpsync.faults.bed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One wpsync daemon of the test bed ({@code wpsync agent} or {@code wpsync coordinator} from the
 * jar) on its own host: its id, directories, default flags, and the process currently running it.
 * {@link #start(Map)} may override flags for one run (a strict ZooKeeper-loss policy, a data
 * directory on a tiny tmpfs); {@link #start()} goes back to the defaults.
 */
public final class Daemon {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Which subcommand runs, and its fixed ports. */
  public enum Kind {
    COORDINATOR("coordinator", 8080, 7071),
    AGENT("agent", 8081, 7070);

    final String command;
    final int httpPort;
    final int p2pPort;

    Kind(String command, int httpPort, int p2pPort) {
      this.command = command;
      this.httpPort = httpPort;
      this.p2pPort = p2pPort;
    }
  }

  private final String id;
  private final Kind kind;
  private final Host host;
  private final Path home;
  private final Path jar;
  private final Path logs;
  private final Tunnels tunnels;
  private final Map<String, String> defaults;
  private Map<String, String> running = Map.of();
  private NsProcess process;

  Daemon(String id, Kind kind, Host host, Path home, Path jar, Path logs, Tunnels tunnels,
      Map<String, String> defaults) {
    this.id = id;
    this.kind = kind;
    this.host = host;
    this.home = home;
    this.jar = jar;
    this.logs = logs;
    this.tunnels = tunnels;
    this.defaults = new LinkedHashMap<>(defaults);
  }

  public String id() {
    return id;
  }

  public Kind kind() {
    return kind;
  }

  public Host host() {
    return host;
  }

  /** The directory holding this daemon's default {@code --data} (and, for an agent, {@code --root}). */
  public Path home() {
    return home;
  }

  /** {@code --data} of the running process (or the default). */
  public Path dataDir() {
    return Path.of(running.getOrDefault("--data", defaults.get("--data")));
  }

  /** {@code --root} of the running agent (or the default). */
  public Path rootDir() {
    return Path.of(running.getOrDefault("--root", defaults.get("--root")));
  }

  public Path storeDir() {
    return dataDir().resolve("store");
  }

  public int httpPort() {
    return kind.httpPort;
  }

  public int p2pPort() {
    return kind.p2pPort;
  }

  /** Whether the running process uses flags other than the defaults. */
  public synchronized boolean hasOverrides() {
    return !running.isEmpty() && !running.equals(defaults);
  }

  public synchronized Optional<NsProcess> process() {
    return Optional.ofNullable(process);
  }

  public synchronized boolean isAlive() {
    return process != null && process.isAlive();
  }

  public synchronized void start() throws IOException {
    start(Map.of());
  }

  /** Starts the daemon with the default flags, {@code overrides} replacing or adding some. */
  public synchronized void start(Map<String, String> overrides) throws IOException {
    if (isAlive()) {
      throw new IllegalStateException(id + " is already running: " + process);
    }
    Map<String, String> flags = new LinkedHashMap<>(defaults);
    flags.putAll(overrides);
    List<String> args = new ArrayList<>(List.of("-jar", jar.toString(), kind.command));
    flags.forEach((k, v) -> {
      args.add(k);
      if (v != null) {
        args.add(v);
      }
    });
    running = flags;
    process = NsProcess.start(id, host, NsProcess.java(List.of(), args), logs.resolve(id + ".log"), Map.of());
  }

  /** SIGKILL (a crash). */
  public synchronized void kill() {
    if (process != null) {
      process.kill();
    }
  }

  /** SIGTERM, then SIGKILL after a grace. */
  public synchronized void stop() {
    if (process != null) {
      process.stop();
    }
  }

  /** Where the test JVM reaches this daemon's HTTP API. */
  public InetSocketAddress http() throws IOException {
    return tunnels.local(host.ip(), kind.httpPort);
  }

  /** Where the test JVM reaches this daemon's peer port. */
  public InetSocketAddress p2p() throws IOException {
    return tunnels.local(host.ip(), kind.p2pPort);
  }

  /** {@code GET path} on this daemon's HTTP API (no token). */
  public RawHttp.Response get(String path) throws IOException {
    return RawHttp.get(http(), path, null, Duration.ofSeconds(5));
  }

  /** HTTP status of {@code path}, or -1 if the daemon does not answer. */
  public int probe(String path) {
    try {
      return get(path).status();
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** An agent's {@code GET /status} as JSON. */
  public JsonNode status() throws IOException {
    RawHttp.Response r = get("/status");
    if (r.status() != 200) {
      throw new IOException(id + " /status: " + r);
    }
    return JSON.readTree(r.body());
  }

  /** The value of the Prometheus sample {@code name{labels}} (summed over label sets matching the prefix). */
  public double metric(String sampleStart) throws IOException {
    RawHttp.Response r = get("/metrics");
    if (r.status() != 200) {
      throw new IOException(id + " /metrics: " + r);
    }
    return Prometheus.sum(r.text(), sampleStart);
  }

  /** Waits until {@code /healthz} answers 200 (the daemon is up), failing early if the process exits. */
  public void awaitHealthy(Duration timeout) throws IOException, InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    int last = -1;
    while (System.nanoTime() < end) {
      if (!isAlive()) {
        throw new IOException(id + " exited during start-up; log:\n" + process.tail(30));
      }
      last = probe("/healthz");
      if (last == 200) {
        return;
      }
      Thread.sleep(200);
    }
    throw new IOException(id + " not healthy after " + timeout.toSeconds() + " s (last " + last + "); log:\n"
        + (process == null ? "(never started)" : process.tail(30)));
  }

  public String logTail(int lines) {
    return process == null ? "(not started)" : process.tail(lines);
  }

  public boolean logContains(String text) {
    return process != null && process.logContains(text);
  }

  @Override
  public String toString() {
    return id + "@" + host.ip();
  }
}
