package io.wpsync.cli.demo;

import java.io.IOException;
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
import java.util.HexFormat;
import java.util.List;

/**
 * A whole wpsync cluster on one machine, as real processes: a coordinator with an embedded
 * ZooKeeper and N agents, each with its own directories and ports on 127.0.0.1. Closing it stops
 * every process tree, agents first.
 */
public final class DemoCluster implements AutoCloseable {
  /** One agent's directories and addresses. */
  public record AgentNode(String id, Path data, Path root, int httpPort, int p2pPort, ChildProcess process) {
    /** The {@code current} release directory WordPress would mount. */
    public Path current() {
      return root.resolve("current");
    }
  }

  private final Path dir;
  private final Path jar;
  private final String token;
  private final Path tokenFile;
  private final Path secretFile;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<AgentNode> agents = new ArrayList<>();
  private ChildProcess coordinator;
  private int coordinatorHttpPort;
  private int zkPort;

  public DemoCluster(Path dir, Path jar) throws IOException {
    this.dir = dir;
    this.jar = jar;
    Files.createDirectories(dir);
    SecureRandom random = new SecureRandom();
    byte[] t = new byte[24];
    random.nextBytes(t);
    this.token = HexFormat.of().formatHex(t);
    this.tokenFile = dir.resolve("api-tokens");
    Files.writeString(tokenFile, "admin " + token + "\n", StandardCharsets.UTF_8);
    byte[] s = new byte[32];
    random.nextBytes(s);
    this.secretFile = dir.resolve("cluster-secret");
    Files.writeString(secretFile, HexFormat.of().formatHex(s) + "\n", StandardCharsets.UTF_8);
  }

  public String token() {
    return token;
  }

  public URI coordinatorUrl() {
    return URI.create("http://127.0.0.1:" + coordinatorHttpPort + "/");
  }

  public List<AgentNode> agents() {
    return List.copyOf(agents);
  }

  private List<String> java(String... args) {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
        "-jar", jar.toString()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** Starts the coordinator with an embedded ZooKeeper and waits until it is ready. */
  public void startCoordinator() throws IOException, InterruptedException {
    coordinatorHttpPort = freePort();
    int p2p = freePort();
    zkPort = freePort();
    coordinator = ChildProcess.start("coordinator", java("coordinator",
        "--id", "coord-1",
        "--data", dir.resolve("coordinator").toString(),
        "--http", "127.0.0.1:" + coordinatorHttpPort,
        "--p2p", "127.0.0.1:" + p2p,
        "--embedded-zk", "--embedded-zk-port", String.valueOf(zkPort),
        "--token-file", tokenFile.toString(),
        "--secret-file", secretFile.toString()), dir.resolve("logs/coordinator.log"));
    awaitHttp(coordinator, "http://127.0.0.1:" + coordinatorHttpPort + "/readyz", Duration.ofSeconds(90));
  }

  /** Starts one more agent and waits until its API answers. */
  public AgentNode startAgent(String id) throws IOException, InterruptedException {
    Path home = dir.resolve(id);
    int httpPort = freePort();
    int p2pPort = freePort();
    Path shared = dir.resolve("shared/uploads");
    Files.createDirectories(shared);
    ChildProcess p = ChildProcess.start(id, java("agent",
        "--id", id,
        "--data", home.resolve("data").toString(),
        "--root", home.resolve("root").toString(),
        "--http", "127.0.0.1:" + httpPort,
        "--p2p", "127.0.0.1:" + p2pPort,
        "--zk", "127.0.0.1:" + zkPort,
        "--secret-file", secretFile.toString(),
        "--token-file", tokenFile.toString(),
        "--link", "uploads=" + shared.toAbsolutePath()), dir.resolve("logs/" + id + ".log"));
    AgentNode node = new AgentNode(id, home.resolve("data"), home.resolve("root"), httpPort, p2pPort, p);
    agents.add(node);
    awaitHttp(p, "http://127.0.0.1:" + httpPort + "/healthz", Duration.ofSeconds(90));
    return node;
  }

  private void awaitHttp(ChildProcess p, String url, Duration timeout) throws IOException, InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    String last = "no answer";
    while (System.nanoTime() < end) {
      if (!p.isAlive()) {
        throw new IOException(p.name() + " exited during start-up; last log lines:\n" + p.tail(30));
      }
      try {
        var r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
            BodyHandlers.ofString());
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

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Stops agents, then the coordinator (and its ZooKeeper). */
  @Override
  public void close() {
    for (int i = agents.size() - 1; i >= 0; i--) {
      agents.get(i).process().close();
    }
    if (coordinator != null) {
      coordinator.close();
    }
  }
}
