package io.wpsync.agent.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wpsync.agent.AgentConfig;
import io.wpsync.agent.AgentDaemon;
import io.wpsync.agent.LinkSpec;
import io.wpsync.core.cluster.AgentReport;
import io.wpsync.core.zk.ZkPaths;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real agent daemons (store, peer server, swarm download, materializer, switch, HTTP) on loopback
 * with a real ZooKeeper and a real origin peer server; rollout decisions are written to ZooKeeper
 * exactly as the coordinator's leader writes them.
 */
class AgentDaemonsIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Duration GRACE = Duration.ofSeconds(5);
  private static final String TOKEN = "capture-token-0123456789abcdef";

  @TempDir
  Path tmp;

  private TestingServer zk;
  private CuratorFramework client;
  private CoordinatorWrites coordinator;
  private TestOrigin origin;
  private Path secret;
  private Path tokens;
  private final List<AgentDaemon> agents = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void setUp() throws Exception {
    zk = new TestingServer(true);
    client = CuratorFrameworkFactory.builder().connectString(zk.getConnectString())
        .namespace(ZkPaths.namespace(TestOrigin.NETWORK)).retryPolicy(new RetryOneTime(100)).build();
    client.start();
    coordinator = new CoordinatorWrites(client);
    secret = TestOrigin.secretFile(tmp.resolve("etc"));
    tokens = Files.writeString(tmp.resolve("etc/tokens"), "capture " + TOKEN + "\n");
    origin = new TestOrigin(tmp.resolve("origin"), secret, client);
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AgentDaemon a : agents) {
      a.close();
    }
    origin.close();
    client.close();
    zk.close();
  }

  private AgentDaemon agent(String id) throws Exception {
    Path shared = Files.createDirectories(tmp.resolve("shared/uploads"));
    AgentConfig c = AgentConfig.of(id, tmp.resolve(id).resolve("data"), tmp.resolve(id).resolve("root"),
            zk.getConnectString())
        .withNetwork(TestOrigin.NETWORK)
        .withSecretFile(secret)
        .withTokenFile(tokens)
        .withSessionTimeout(Duration.ofSeconds(3))
        .withBehindGrace(GRACE)
        .withKeep(2)
        .withPreviousGrace(Duration.ofSeconds(1))
        .withLinks(List.of(new LinkSpec("uploads", shared.toAbsolutePath())));
    AgentDaemon a = AgentDaemon.start(c);
    agents.add(a);
    return a;
  }

  private HttpResponse<String> get(AgentDaemon a, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(a.httpUrl() + path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private Path root(AgentDaemon a) {
    return a.config().rootDir();
  }

  private List<String> ids() {
    return agents.stream().map(AgentDaemon::id).toList();
  }

  /** Publishes, prepares, commits; returns the commit time (epoch ms). */
  private long rollout(String rolloutId, String release, Map<String, String> files) throws Exception {
    String manifest = origin.publish(release, files);
    coordinator.start(rolloutId, release, manifest, ids(), 60_000);
    await().atMost(WAIT).pollInterval(Duration.ofMillis(10)).until(() -> {
      var reports = coordinator.reports(rolloutId);
      if (reports.values().stream().anyMatch(r -> r.state() == AgentReport.State.FAILED)) {
        throw new AssertionError("an agent failed to prepare: " + reports);
      }
      return reports.size() == agents.size();
    });
    long committedAt = System.currentTimeMillis();
    coordinator.commit(rolloutId, List.of());
    return committedAt;
  }

  private List<AgentReport> awaitSwitched(String rolloutId) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(10)).until(() -> coordinator.reports(rolloutId).values().stream()
        .filter(r -> r.state() == AgentReport.State.SWITCHED).count() == agents.size());
    try {
      return List.copyOf(coordinator.reports(rolloutId).values());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void rolloutCommitsOnAllAgentsAndTheApiTellsSo() throws Exception {
    for (int i = 1; i <= 3; i++) {
      agent("agent-" + i);
    }
    await().atMost(WAIT).until(() -> coordinator.liveAgents().size() == 3);
    AgentDaemon a1 = agents.get(0);
    assertThat(get(a1, "/healthz").statusCode()).isEqualTo(200);
    HttpResponse<String> notReady = get(a1, "/readyz");
    assertThat(notReady.statusCode()).isEqualTo(503);
    assertThat(notReady.body()).contains("no release has been committed yet");

    rollout("ro-1", "r1", Map.of("themes/t/style.css", "Version: 1", "a.txt", "r1", "b.txt", "r1"));
    awaitSwitched("ro-1");
    for (AgentDaemon a : agents) {
      assertThat(Files.readSymbolicLink(root(a).resolve("current")).toString()).isEqualTo("releases/r1");
      assertThat(Files.readString(root(a).resolve("current/themes/t/style.css"))).isEqualTo("Version: 1");
      assertThat(Files.isSymbolicLink(root(a).resolve("current/uploads"))).isTrue();
      await().atMost(WAIT).until(() -> get(a, "/readyz").statusCode() == 200);
    }
    String status = get(a1, "/status").body();
    assertThat(status).contains("\"current\":\"r1\"", "\"committed\":\"r1\"", "\"ready\":true", "\"state\":\"IN_SYNC\"");
    String metrics = get(a1, "/metrics").body();
    assertThat(metrics).contains("wpsync_agent_ready 1.0", "wpsync_agent_zk_connected 1.0", "wpsync_agent_switches_total 1.0",
        "wpsync_agent_prepare_duration_seconds_count{outcome=\"prepared\"} 1", "# HELP wpsync_agent_behind_seconds");

    var capture = http.send(HttpRequest.newBuilder(URI.create(a1.httpUrl() + "/api/v1/capture"))
        .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(capture.statusCode()).as("capture on a read-only agent").isEqualTo(409);
    assertThat(capture.body()).contains("--mode live");
    var anonymous = http.send(HttpRequest.newBuilder(URI.create(a1.httpUrl() + "/api/v1/capture"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(anonymous.statusCode()).isEqualTo(401);

    // a new agent joins after the commit: it syncs to r1 before it reports ready
    AgentDaemon late = agent("agent-4");
    await().atMost(WAIT).until(() -> get(late, "/readyz").statusCode() == 200);
    assertThat(Files.readString(root(late).resolve("current/a.txt"))).isEqualTo("r1");
  }

  @Test
  void readersResolvingCurrentOncePerReadNeverSeeMixedReleases() throws Exception {
    int rollouts = Integer.getInteger("wpsync.it.rollouts", 100);
    int fleet = Integer.getInteger("wpsync.it.agents", 3);
    for (int i = 1; i <= fleet; i++) {
      agent("agent-" + i);
    }
    await().atMost(WAIT).until(() -> coordinator.liveAgents().size() == fleet);
    rollout("ro-0", "r0", Map.of("a.txt", "r0", "b.txt", "r0"));
    awaitSwitched("ro-0");

    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong reads = new AtomicLong();
    ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
    List<Thread> readers = new ArrayList<>();
    // -Dwpsync.it.readers=false measures rollout latency and skew without reader threads competing for CPU
    for (AgentDaemon a : Boolean.parseBoolean(System.getProperty("wpsync.it.readers", "true")) ? agents
        : List.<AgentDaemon>of()) {
      Path root = root(a);
      Thread t = new Thread(() -> {
        while (!stop.get() && violations.size() < 10) {
          try {
            Path dir = root.resolve(Files.readSymbolicLink(root.resolve("current"))); // once per read, like PHP
            String x = Files.readString(dir.resolve("a.txt"));
            String y = Files.readString(dir.resolve("b.txt"));
            if (!x.equals(y) || !dir.getFileName().toString().equals(x)) {
              violations.add(a.id() + " read a mixed pair in " + dir + ": " + x + " / " + y);
            }
            reads.incrementAndGet();
          } catch (NoSuchFileException e) {
            violations.add(a.id() + " read an incomplete or deleted release: " + e.getMessage());
          } catch (Exception e) {
            violations.add(a.id() + ": " + e);
          }
        }
      }, "reader-" + a.id());
      t.start();
      readers.add(t);
    }

    List<Long> latencies = new ArrayList<>();
    List<Long> skews = new ArrayList<>();
    long worstBehind = 0;
    try {
      for (int i = 1; i <= rollouts; i++) {
        long started = System.currentTimeMillis();
        long committedAt = rollout("ro-" + i, "r" + i, Map.of("a.txt", "r" + i, "b.txt", "r" + i));
        List<AgentReport> switched = awaitSwitched("ro-" + i);
        long first = switched.stream().mapToLong(AgentReport::at).min().orElseThrow();
        long last = switched.stream().mapToLong(AgentReport::at).max().orElseThrow();
        worstBehind = Math.max(worstBehind, last - committedAt);
        assertThat(last - committedAt).as("rollout %d: last switch after commit (ms)", i).isLessThan(GRACE.toMillis());
        latencies.add(last - started);
        skews.add(last - first);
        for (AgentDaemon a : agents) {
          assertThat(a.readiness().ready()).as("%s ready after rollout %d", a.id(), i).isTrue();
        }
        assertThat(violations).isEmpty();
      }
    } finally {
      stop.set(true);
      for (Thread t : readers) {
        t.join(5_000);
      }
    }
    assertThat(violations).isEmpty();
    assertThat(reads.get()).isGreaterThan(readers.isEmpty() ? -1 : rollouts);
    latencies.sort(null);
    skews.sort(null);
    System.out.printf("%d rollouts on %d agents: latency (start -> last switch) p50 %d ms, max %d ms;"
            + " switch skew p50 %d ms, max %d ms;"
            + " worst commit->last switch %d ms; %d reads, 0 mixed%n", rollouts, agents.size(),
        latencies.get(latencies.size() / 2), latencies.get(latencies.size() - 1), skews.get(skews.size() / 2),
        skews.get(skews.size() - 1), worstBehind, reads.get());
    // retention and store GC kept the disk bounded: not every release is still there
    for (AgentDaemon a : agents) {
      try (var s = Files.list(root(a).resolve("releases"))) {
        assertThat(s.filter(p -> !p.getFileName().toString().startsWith(".")).count()).isLessThan(rollouts);
      }
    }
  }
}
