package io.wpsync.bench.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import io.wpsync.cli.admin.AdminClient;
import io.wpsync.cli.admin.AdminException;
import io.wpsync.cli.demo.ChildProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark's cluster, as separate processes of the real {@code wpsync} jar on 127.0.0.1: one
 * coordinator with an embedded ZooKeeper and N agents, each with its own data and root
 * directories. The token file holds an admin token (rollouts, releases) and a read token (status
 * polling). {@link #close()} stops every process (SIGTERM, SIGKILL after a grace), agents first,
 * all agents at once; it is idempotent and safe from a shutdown hook.
 */
final class BenchCluster implements AutoCloseable {
  private final Path dir;
  private final Path jar;
  private final String adminToken = randomHex(24);
  private final String readToken = randomHex(24);
  private final Path tokenFile;
  private final Path secretFile;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<ChildProcess> agentProcesses = new ArrayList<>();
  private final Map<String, String> agentUrls = new LinkedHashMap<>();
  private volatile ChildProcess coordinator;
  private volatile int coordinatorPort;
  private volatile int zkPort;
  private boolean closed; // guarded by this

  BenchCluster(Path dir, Path jar) throws IOException {
    this.dir = Files.createDirectories(dir);
    this.jar = jar;
    if (!Files.isRegularFile(jar)) {
      throw new IOException("no wpsync jar at " + jar + " (build it: mvn -pl sync-cli -am package -DskipTests)");
    }
    this.tokenFile = Files.writeString(dir.resolve("api-tokens"),
        "admin " + adminToken + "\nread " + readToken + "\n", StandardCharsets.UTF_8);
    this.secretFile = Files.writeString(dir.resolve("cluster-secret"), randomHex(32) + "\n", StandardCharsets.UTF_8);
  }

  URI coordinatorUrl() {
    return URI.create("http://127.0.0.1:" + coordinatorPort + "/");
  }

  AdminClient admin() {
    return new AdminClient(coordinatorUrl(), adminToken);
  }

  String readToken() {
    return readToken;
  }

  /** Agent id -> its HTTP base URL (for /metrics), once {@link #startAgents} returned. */
  Map<String, String> agentUrls() {
    return Map.copyOf(agentUrls);
  }

  Path logs() {
    return dir.resolve("logs");
  }

  private List<String> java(String jvmOptions, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(Arrays.stream(jvmOptions.strip().split("\\s+")).filter(s -> !s.isEmpty()).toList());
    cmd.addAll(List.of("-jar", jar.toString()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** Starts the coordinator (embedded ZooKeeper) and waits for its /readyz. */
  void startCoordinator(String jvmOptions) throws IOException, InterruptedException {
    coordinatorPort = freePort();
    zkPort = freePort();
    ChildProcess c = ChildProcess.start("coordinator", java(jvmOptions, "coordinator",
        "--id", "coord-1",
        "--data", dir.resolve("coordinator").toString(),
        "--http", "127.0.0.1:" + coordinatorPort,
        "--p2p", "127.0.0.1:0",
        "--embedded-zk", "--embedded-zk-port", String.valueOf(zkPort),
        "--token-file", tokenFile.toString(),
        "--secret-file", secretFile.toString()), logs().resolve("coordinator.log"));
    synchronized (this) {
      coordinator = c;
      if (closed) {
        c.close();
        throw new IOException("cluster closed while starting the coordinator");
      }
    }
    awaitOk(c, coordinatorUrl().resolve("/readyz"), Duration.ofSeconds(120));
  }

  /**
   * Starts {@code n} agents at once (ephemeral ports), then waits until every one registered in
   * ZooKeeper (seen through {@code GET /api/v1/agents}) and answers {@code /healthz}.
   */
  void startAgents(int n, String jvmOptions) throws IOException, InterruptedException, AdminException {
    for (int i = 1; i <= n; i++) {
      String id = String.format("agent-%02d", i);
      Path home = dir.resolve(id);
      ChildProcess p = ChildProcess.start(id, java(jvmOptions, "agent",
          "--id", id,
          "--data", home.resolve("data").toString(),
          "--root", home.resolve("root").toString(),
          "--http", "127.0.0.1:0",
          "--p2p", "127.0.0.1:0",
          "--zk", "127.0.0.1:" + zkPort,
          "--secret-file", secretFile.toString(),
          "--token-file", tokenFile.toString()), logs().resolve(id + ".log"));
      synchronized (this) {
        if (closed) {
          p.close();
          throw new IOException("cluster closed while starting agents");
        }
        agentProcesses.add(p);
      }
    }
    AdminClient api = admin();
    long end = System.nanoTime() + Duration.ofSeconds(180).toNanos();
    while (agentUrls.size() < n) {
      for (ChildProcess p : agentProcesses) {
        if (!p.isAlive()) {
          throw new IOException(p.name() + " exited during start-up; last log lines:\n" + p.tail(30));
        }
      }
      if (System.nanoTime() > end) {
        throw new IOException("only " + agentUrls.size() + " of " + n + " agents registered within 180 s; logs in " + logs());
      }
      for (JsonNode a : api.agents().path("agents")) {
        agentUrls.put(a.path("id").asText(), a.path("httpUrl").asText());
      }
      Thread.sleep(250);
    }
    for (ChildProcess p : agentProcesses) {
      awaitOk(p, URI.create(agentUrls.get(p.name()) + "/healthz"), Duration.ofSeconds(60));
    }
  }

  /** GET a URL without a token; the body, or an IOException for a non-200. */
  String get(String url) throws IOException, InterruptedException {
    var r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("GET " + url + " -> " + r.statusCode());
    }
    return r.body();
  }

  private void awaitOk(ChildProcess p, URI url, Duration timeout) throws IOException, InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    String last = "no answer";
    while (System.nanoTime() < end) {
      if (!p.isAlive()) {
        throw new IOException(p.name() + " exited during start-up; last log lines:\n" + p.tail(30));
      }
      try {
        var r = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(2)).build(), BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
        last = r.statusCode() + " " + r.body().strip();
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(200);
    }
    throw new IOException(p.name() + " not ready at " + url + " after " + timeout.toSeconds() + " s (" + last
        + "); last log lines:\n" + p.tail(30));
  }

  /** Process ids of every daemon started (for the report). */
  synchronized List<Long> pids() {
    List<Long> out = new ArrayList<>();
    if (coordinator != null) {
      out.add(coordinator.pid());
    }
    agentProcesses.forEach(p -> out.add(p.pid()));
    return out;
  }

  /** Stops every agent at once, then the coordinator (and its ZooKeeper). */
  @Override
  public void close() {
    List<ChildProcess> agents;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      agents = List.copyOf(agentProcesses);
    }
    List<Thread> stopping = new ArrayList<>();
    for (ChildProcess p : agents) {
      Thread t = new Thread(p::close, "stop-" + p.name());
      t.start();
      stopping.add(t);
    }
    for (Thread t : stopping) {
      try {
        t.join(20_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    ChildProcess c = coordinator;
    if (c != null) {
      c.close();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static String randomHex(int bytes) {
    byte[] b = new byte[bytes];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
