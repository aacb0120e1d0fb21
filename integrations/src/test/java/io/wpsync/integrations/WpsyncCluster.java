package io.wpsync.integrations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wpsync.cli.demo.ChildProcess;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real wpsync daemons as processes of the shaded jar on 127.0.0.1: one coordinator (embedded
 * ZooKeeper) and any number of agents, each with its own directories and ports, plus a small admin
 * client of the coordinator's REST API. Tokens: {@link #adminToken()} for the admin API, {@link
 * #captureToken()} (scope capture) for what a WordPress pod holds. Closing stops every process.
 */
final class WpsyncCluster implements AutoCloseable {
  /** One agent: its root (what WordPress mounts) and HTTP URL. */
  record Agent(String id, Path root, String httpUrl, ChildProcess process) {}

  static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final Path jar;
  private final String adminToken;
  private final String captureToken;
  private final Path secretFile;
  private final Path coordinatorTokens;
  private final Path agentTokens;
  private final Path captureTokenFile;
  private final Path sharedUploads;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<ChildProcess> processes = new ArrayList<>();
  private String coordinatorUrl;
  private int zkPort;
  private String agentHelp;

  WpsyncCluster(Path dir) throws IOException {
    this.dir = Files.createDirectories(dir);
    this.jar = jar();
    SecureRandom random = new SecureRandom();
    this.adminToken = hex(random, 24);
    this.captureToken = hex(random, 24);
    this.secretFile = write("cluster-secret", hex(random, 32) + "\n");
    this.coordinatorTokens = write("coordinator-tokens", "admin " + adminToken + "\ncapture " + captureToken + "\n");
    this.agentTokens = write("agent-tokens", "capture " + captureToken + "\n");
    this.captureTokenFile = write("capture-token", captureToken + "\n");
    this.sharedUploads = Files.createDirectories(dir.resolve("shared/uploads"));
  }

  /** The shaded jar sync-cli builds in its package phase. */
  static Path jar() {
    Path here = Path.of("").toAbsolutePath();
    for (Path p : List.of(here.resolve("../sync-cli/target/wpsync.jar"), here.resolve("sync-cli/target/wpsync.jar"))) {
      if (Files.isRegularFile(p)) {
        return p.normalize();
      }
    }
    throw new IllegalStateException("sync-cli/target/wpsync.jar not found from " + here
        + ": build it first (mvn -pl sync-cli -am package -DskipTests)");
  }

  private static String hex(SecureRandom random, int bytes) {
    byte[] b = new byte[bytes];
    random.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  private Path write(String name, String content) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, content, StandardCharsets.UTF_8);
    return p;
  }

  String adminToken() {
    return adminToken;
  }

  String captureToken() {
    return captureToken;
  }

  String coordinatorUrl() {
    return coordinatorUrl;
  }

  Path sharedUploads() {
    return sharedUploads;
  }

  private List<String> java(List<String> args) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar.toString()));
    cmd.addAll(args);
    return cmd;
  }

  /** What {@code wpsync agent --help} says (to find out whether this build has live capture). */
  String agentHelp() throws IOException, InterruptedException {
    if (agentHelp == null) {
      Process p = new ProcessBuilder(java(List.of("agent", "--help"))).redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      p.waitFor(60, TimeUnit.SECONDS);
      agentHelp = new String(out, StandardCharsets.UTF_8);
    }
    return agentHelp;
  }

  /** True when agents can run in live mode and propose what WordPress changed (issue 6's capture). */
  boolean hasLiveCapture() throws IOException, InterruptedException {
    return agentHelp().contains("--capture-token-file");
  }

  /** Starts the coordinator; with capture available, local changes roll out without approval (policy auto). */
  void startCoordinator() throws IOException, InterruptedException {
    int httpPort = freePort();
    zkPort = freePort();
    List<String> args = new ArrayList<>(List.of("coordinator", "--id", "coord-1",
        "--data", dir.resolve("coordinator").toString(),
        "--http", "127.0.0.1:" + httpPort, "--p2p", "127.0.0.1:" + freePort(),
        "--embedded-zk", "--embedded-zk-port", String.valueOf(zkPort),
        "--session-timeout", "4s", "--rollout-deadline", "60s",
        "--token-file", coordinatorTokens.toString(), "--secret-file", secretFile.toString()));
    if (hasLiveCapture()) {
      args.addAll(List.of("--capture-policy", "auto"));
    }
    ChildProcess p = start("coordinator", args);
    coordinatorUrl = "http://127.0.0.1:" + httpPort;
    awaitOk(p, coordinatorUrl + "/readyz", Duration.ofSeconds(90));
  }

  /**
   * Starts an agent whose releases link {@code uploads} to the shared uploads directory and
   * {@code upgrade} to a directory of its own (WordPress unpacks uploads there), and waits for its API.
   */
  Agent startAgent(String id, boolean live) throws IOException, InterruptedException {
    int httpPort = freePort();
    Path home = dir.resolve(id);
    Path upgrade = Files.createDirectories(home.resolve("upgrade"));
    List<String> args = new ArrayList<>(List.of("agent", "--id", id,
        "--data", home.resolve("data").toString(), "--root", home.resolve("root").toString(),
        "--http", "127.0.0.1:" + httpPort, "--p2p", "127.0.0.1:" + freePort(),
        "--zk", "127.0.0.1:" + zkPort, "--session-timeout", "4s",
        "--secret-file", secretFile.toString(), "--token-file", agentTokens.toString(),
        "--link", "uploads=" + sharedUploads.toAbsolutePath(), "--link", "upgrade=" + upgrade.toAbsolutePath()));
    if (live) {
      args.addAll(List.of("--mode", "live", "--capture-token-file", captureTokenFile.toString(),
          "--capture-quiet", "300ms", "--coordinator", coordinatorUrl));
    }
    ChildProcess p = start(id, args);
    String url = "http://127.0.0.1:" + httpPort;
    awaitOk(p, url + "/healthz", Duration.ofSeconds(90));
    return new Agent(id, home.resolve("root"), url, p);
  }

  private ChildProcess start(String name, List<String> args) throws IOException {
    ChildProcess p = ChildProcess.start(name, java(args), dir.resolve("logs/" + name + ".log"));
    processes.add(p);
    return p;
  }

  private void awaitOk(ChildProcess p, String url, Duration timeout) throws IOException, InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    String last = "no answer";
    while (System.nanoTime() < end) {
      if (!p.isAlive()) {
        throw new IOException(p.name() + " exited during start-up:\n" + p.tail(40));
      }
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
        last = r.statusCode() + " " + r.body().strip();
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(200);
    }
    throw new IOException(p.name() + " not answering 200 at " + url + " (" + last + "):\n" + p.tail(40));
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  // ---- the admin API ----

  /** A call to the coordinator with the admin token; fails unless the status is {@code expected}. */
  JsonNode admin(String method, String path, String contentType, byte[] body, int expected)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(coordinatorUrl + path)).timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + adminToken);
    if (body != null) {
      b.header("Content-Type", contentType).method(method, HttpRequest.BodyPublishers.ofByteArray(body));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != expected) {
      throw new AssertionError(method + " " + path + ": expected " + expected + ", got " + r.statusCode() + " " + r.body());
    }
    return r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
  }

  JsonNode get(String path) throws IOException, InterruptedException {
    return admin("GET", path, null, null, 200);
  }

  /** Publishes a whole wp-content tree (a tar) and returns the release id. */
  String createRelease(byte[] tar, String message) throws IOException, InterruptedException {
    return admin("POST", "/api/v1/releases?message=" + java.net.URLEncoder.encode(message, StandardCharsets.UTF_8),
        "application/x-tar", tar, 201).path("id").asText();
  }

  /** Installs a theme .zip on the committed release and returns the new release id. */
  String installTheme(byte[] zip) throws IOException, InterruptedException {
    return admin("POST", "/api/v1/releases/theme", "application/zip", zip, 201).path("id").asText();
  }

  /** Starts a rollout of {@code release} and returns its id. */
  String startRollout(String release) throws IOException, InterruptedException {
    return admin("POST", "/api/v1/rollouts", "application/json",
        ("{\"release\":\"" + release + "\"}").getBytes(StandardCharsets.UTF_8), 202).path("id").asText();
  }

  /**
   * Rolls back to {@code release} and returns the rollout id; waits (up to 60 s) while another rollout,
   * e.g. of a captured local change, is still in progress.
   */
  String rollback(String release) throws IOException, InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      JsonNode active = get("/api/v1/status").path("activeRollout");
      if (active.isMissingNode() || active.isNull() || System.nanoTime() > end) {
        return admin("POST", "/api/v1/rollback", "application/json",
            ("{\"release\":\"" + release + "\"}").getBytes(StandardCharsets.UTF_8), 202).path("id").asText();
      }
      Thread.sleep(200);
    }
  }

  /** Waits until the rollout is decided; fails unless it committed. */
  JsonNode awaitCommitted(String rolloutId, Duration timeout) throws IOException, InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    JsonNode r = null;
    while (System.nanoTime() < end) {
      r = get("/api/v1/rollouts/" + rolloutId + "?progress=false");
      String state = r.path("state").asText();
      if (state.equals("COMMITTED")) {
        return r;
      }
      if (state.equals("ABORTED")) {
        throw new AssertionError("rollout " + rolloutId + " aborted: " + r.path("reason").asText());
      }
      Thread.sleep(100);
    }
    throw new AssertionError("rollout " + rolloutId + " not decided in " + timeout + ": " + r);
  }

  /** Waits until every agent's {@code current} is {@code release} (their /status). */
  void awaitCurrent(List<Agent> agents, String release, Duration timeout) throws IOException, InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    for (Agent a : agents) {
      String current = null;
      while (System.nanoTime() < end) {
        current = agentStatus(a).path("current").asText(null);
        if (release.equals(current)) {
          break;
        }
        Thread.sleep(100);
      }
      if (!release.equals(current)) {
        throw new AssertionError(a.id() + " is on " + current + ", not " + release + " after " + timeout);
      }
    }
  }

  JsonNode agentStatus(Agent a) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(a.httpUrl() + "/status"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(r.body());
  }

  /** The last lines of every daemon's log, for failure messages. */
  String logs() {
    StringBuilder b = new StringBuilder();
    for (ChildProcess p : processes) {
      b.append("---- ").append(p.name()).append(" (").append(p.log()).append(")\n").append(p.tail(25)).append('\n');
    }
    return b.toString();
  }

  @Override
  public void close() {
    for (int i = processes.size() - 1; i >= 0; i--) {
      processes.get(i).close();
    }
  }
}
