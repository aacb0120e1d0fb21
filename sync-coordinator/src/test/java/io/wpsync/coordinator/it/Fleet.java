package io.wpsync.coordinator.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wpsync.agent.AgentConfig;
import io.wpsync.agent.AgentDaemon;
import io.wpsync.agent.HostPort;
import io.wpsync.coordinator.CoordinatorConfig;
import io.wpsync.coordinator.CoordinatorDaemon;
import io.wpsync.coordinator.release.ReleaseDraft;
import io.wpsync.coordinator.zk.ClusterStore;
import io.wpsync.coordinator.zk.ZkClients;
import io.wpsync.core.cluster.ReleaseInfo;
import io.wpsync.core.cluster.RolloutInfo;
import io.wpsync.core.cluster.RolloutState;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;

/**
 * One wpsync network of real daemons for an IT, on a shared ensemble: coordinator daemons (in this
 * JVM, or in their own to be SIGKILLed: {@link CoordinatorProcess}) and agent daemons (each with its
 * own temp directories, loopback, ephemeral ports), the admin API over
 * real HTTP, and the test's own ZooKeeper view ({@link #zk}) of the records. Each fleet uses its own
 * network (ZooKeeper namespace), so fleets of one test class never see each other. Closing it
 * stops agents first, then coordinators, then the extras (coordinator processes, relays), then the
 * view.
 */
final class Fleet implements AutoCloseable {
  static final String ADMIN_TOKEN = "it-admin-token-0123456789abcdef";
  static final String READ_TOKEN = "it-read-token-0123456789abcdef";
  static final Duration COORDINATOR_SESSION = Duration.ofSeconds(3);
  static final Duration AGENT_SESSION = Duration.ofSeconds(5);
  private static final ObjectMapper JSON = new ObjectMapper();

  final String network;
  final String ensemble;
  final ClusterStore zk;
  private final Path dir;
  private final Path secret;
  private final Path tokens;
  private final CuratorFramework view;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final List<CoordinatorDaemon> coordinators = new ArrayList<>();
  private final List<AgentDaemon> agents = new ArrayList<>();
  private final List<AutoCloseable> extras = new ArrayList<>();

  Fleet(Path dir, String network, String ensemble) throws Exception {
    this.dir = Files.createDirectories(dir.resolve(network));
    this.network = network;
    this.ensemble = ensemble;
    byte[] raw = new byte[24];
    new SecureRandom().nextBytes(raw);
    this.secret = Files.writeString(this.dir.resolve("secret"), HexFormat.of().formatHex(raw) + "\n");
    this.tokens = Files.writeString(this.dir.resolve("tokens"), "admin " + ADMIN_TOKEN + "\nread " + READ_TOKEN + "\n");
    this.view = ZkClients.newClient(ensemble, network, Duration.ofSeconds(10));
    view.start();
    if (!view.blockUntilConnected(20, TimeUnit.SECONDS)) {
      view.close();
      throw new IllegalStateException("the test's ZooKeeper view could not connect to " + ensemble);
    }
    this.zk = new ClusterStore(view);
    zk.ensureLayout();
  }

  /** Keeps {@code c} to be closed with the fleet (after the daemons). */
  <T extends AutoCloseable> T keep(T c) {
    extras.add(c);
    return c;
  }

  /** A coordinator daemon reaching ZooKeeper at {@code connect} (the ensemble, or a relay in front of it). */
  CoordinatorDaemon coordinator(String id, String connect) throws Exception {
    CoordinatorDaemon d = CoordinatorDaemon.start(CoordinatorConfig.of(id, dir.resolve(id), connect)
        .withNetwork(network)
        .withHttp(new HostPort("127.0.0.1", 0))
        .withP2p(new HostPort("127.0.0.1", 0))
        .withSecretFile(secret)
        .withTokenFile(tokens)
        .withSessionTimeout(COORDINATOR_SESSION)
        .withCopyWait(Duration.ofSeconds(30)));
    coordinators.add(d);
    return d;
  }

  /**
   * A coordinator in its own JVM (so it can be SIGKILLed), reaching ZooKeeper at {@code connect};
   * returns once it registered.
   */
  CoordinatorProcess coordinatorProcess(String id, String connect) throws Exception {
    CoordinatorProcess p = keep(CoordinatorProcess.start(id, dir.resolve(id), List.of(
        "--network", network,
        "--zk", connect,
        "--secret-file", secret.toString(),
        "--token-file", tokens.toString(),
        "--session-timeout", COORDINATOR_SESSION.toSeconds() + "s",
        "--copy-wait", "30s")));
    p.awaitHttpUrl(zk, Duration.ofSeconds(60));
    return p;
  }

  /** The admin API URL of a live coordinator, from its registration. */
  String httpUrl(String coordinatorId) throws Exception {
    var info = zk.coordinators().get(coordinatorId);
    if (info == null) {
      throw new AssertionError(coordinatorId + " is not registered in /coordinators");
    }
    return info.httpUrl();
  }

  /** An agent daemon reaching ZooKeeper at {@code connect} with the given session timeout. */
  AgentDaemon agent(String id, String connect, Duration session) throws Exception {
    AgentDaemon a = AgentDaemon.start(AgentConfig.of(id, dir.resolve(id).resolve("data"), dir.resolve(id).resolve("root"),
            connect)
        .withNetwork(network)
        .withSecretFile(secret)
        .withSessionTimeout(session)
        .withBehindGrace(Duration.ofSeconds(5)));
    agents.add(a);
    return a;
  }

  List<AgentDaemon> agents() {
    return List.copyOf(agents);
  }

  /** Creates a release of a small theme at {@code version} through {@code via}'s registry. */
  ReleaseInfo release(CoordinatorDaemon via, String version) throws Exception {
    Path tree = dir.resolve("src-" + version);
    Files.createDirectories(tree.resolve("themes/demo"));
    Files.createDirectories(tree.resolve("plugins/shop"));
    Files.writeString(tree.resolve("themes/demo/style.css"), "/* Theme Name: demo\nVersion: " + version + " */\n");
    Files.writeString(tree.resolve("themes/demo/index.php"), "<?php // demo " + version + "\n");
    Files.writeString(tree.resolve("plugins/shop/shop.php"), "<?php // shop for " + version + "\n");
    return via.releases().create(tree, new ReleaseDraft("it", "version " + version, null));
  }

  /** The release {@code a}'s {@code current} symlink names, or null before its first switch. */
  static String current(AgentDaemon a) {
    Path link = a.config().rootDir().resolve("current");
    try {
      return Files.isSymbolicLink(link) ? Files.readSymbolicLink(link).getFileName().toString() : null;
    } catch (IOException e) {
      return null; // replaced while read: the next sample sees the new one
    }
  }

  /** Targets of every rollout record that says COMMITTED: the only releases an agent may ever serve. */
  Set<String> committedTargets() throws Exception {
    Set<String> out = new TreeSet<>();
    for (String id : zk.rolloutIds()) {
      zk.rollout(id).map(v -> v.value()).filter(r -> r.state() == RolloutState.COMMITTED)
          .map(RolloutInfo::target).ifPresent(out::add);
    }
    return out;
  }

  RolloutInfo rollout(String id) throws Exception {
    return zk.rollout(id).orElseThrow(() -> new AssertionError("no rollout record " + id)).value();
  }

  /** POST {@code /api/v1/rollouts} with the admin token; the raw reply. */
  HttpResponse<String> startRollout(CoordinatorDaemon via, String release) throws Exception {
    return startRollout(via.httpUrl(), release);
  }

  /** POST {@code /api/v1/rollouts} to the coordinator at {@code baseUrl}. */
  HttpResponse<String> startRollout(String baseUrl, String release) throws Exception {
    String body = "{\"release\":\"" + release + "\",\"deadlineSeconds\":60}";
    return http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/api/v1/rollouts"))
        .timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + ADMIN_TOKEN)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** GET {@code path} with the read token, as JSON (asserting 200). */
  JsonNode get(CoordinatorDaemon via, String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(via.httpUrl() + path))
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + READ_TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new AssertionError("GET " + path + " -> " + r.statusCode() + ": " + r.body());
    }
    return JSON.readTree(r.body());
  }

  static JsonNode json(String body) throws IOException {
    return JSON.readTree(body);
  }

  @Override
  public void close() {
    for (int i = agents.size() - 1; i >= 0; i--) {
      agents.get(i).close();
    }
    for (int i = coordinators.size() - 1; i >= 0; i--) {
      coordinators.get(i).close();
    }
    for (int i = extras.size() - 1; i >= 0; i--) {
      try {
        extras.get(i).close();
      } catch (Exception e) {
        System.err.println("closing " + extras.get(i) + ": " + e);
      }
    }
    view.close();
  }
}
