package io.wpsync.coordinator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wpsync.agent.AgentConfig;
import io.wpsync.agent.AgentDaemon;
import io.wpsync.agent.AgentMode;
import io.wpsync.agent.HostPort;
import io.wpsync.agent.LinkSpec;
import io.wpsync.agent.capture.CaptureSettings;
import io.wpsync.coordinator.CoordinatorConfig;
import io.wpsync.coordinator.CoordinatorDaemon;
import io.wpsync.coordinator.proposal.CapturePolicy;
import io.wpsync.coordinator.release.ReleaseDraft;
import io.wpsync.coordinator.rollout.RolloutRequest;
import io.wpsync.coordinator.rollout.RolloutStatus;
import io.wpsync.core.cluster.FailurePolicy;
import io.wpsync.core.cluster.ProposalInfo;
import io.wpsync.core.cluster.ProposalState;
import io.wpsync.core.cluster.ReleaseInfo;
import io.wpsync.core.cluster.RolloutState;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local changes end to end: a real ZooKeeper (curator-test), a real coordinator (proposal receiver
 * and driver, release registry, origin store, rollout driver, REST over HTTP) and three real agents
 * in live mode (file watcher, capture, proposals with a capture token, peer transfer, two-phase
 * rollout, hard-linked live releases) on loopback. WordPress is played by the test writing into an
 * agent's {@code current}.
 */
class LocalChangesIT {
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final String ADMIN = "it-admin-token-0123456789abcdef";
  private static final String CAPTURE = "it-capture-token-0123456789abcdef";
  private static final String READ = "it-read-token-0123456789abcdef";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path tmp;

  private TestingServer zk;
  private Path secret;
  private Path coordinatorTokens;
  private Path agentTokens;
  private Path captureToken;
  private CoordinatorDaemon coordinator;
  private final List<AgentDaemon> agents = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void setUp() throws Exception {
    zk = new TestingServer(true);
    Path etc = Files.createDirectories(tmp.resolve("etc"));
    byte[] raw = new byte[24];
    new SecureRandom().nextBytes(raw);
    secret = Files.writeString(etc.resolve("secret"), HexFormat.of().formatHex(raw));
    coordinatorTokens = Files.writeString(etc.resolve("coordinator-tokens"),
        "admin " + ADMIN + "\ncapture " + CAPTURE + "\nread " + READ + "\n");
    agentTokens = Files.writeString(etc.resolve("agent-tokens"), "capture " + CAPTURE + "\n");
    captureToken = Files.writeString(etc.resolve("capture-token"), CAPTURE + "\n");
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AgentDaemon a : agents) {
      a.close();
    }
    if (coordinator != null) {
      coordinator.close();
    }
    zk.close();
  }

  // ------------------------------------------------------------------ harness

  private void startCoordinator(CapturePolicy policy) throws Exception {
    coordinator = CoordinatorDaemon.start(CoordinatorConfig.of("coord-1", tmp.resolve("coord-1"), zk.getConnectString())
        .withHttp(new HostPort("127.0.0.1", 0))
        .withP2p(new HostPort("127.0.0.1", 0))
        .withSecretFile(secret)
        .withTokenFile(coordinatorTokens)
        .withSessionTimeout(Duration.ofSeconds(3))
        .withCopyWait(Duration.ofSeconds(1))
        .withCapturePolicy(policy));
    await().atMost(WAIT).until(coordinator::isLeader);
  }

  private static CaptureSettings capture() {
    return CaptureSettings.defaults().withQuiet(Duration.ofMillis(300)).withMinInterval(Duration.ofMillis(200));
  }

  private AgentDaemon agent(String id, CaptureSettings settings) throws Exception {
    Path shared = Files.createDirectories(tmp.resolve("shared-uploads"));
    AgentDaemon a = AgentDaemon.start(AgentConfig.of(id, tmp.resolve(id).resolve("data"), tmp.resolve(id).resolve("root"),
            zk.getConnectString())
        .withSecretFile(secret)
        .withTokenFile(agentTokens)
        .withMode(AgentMode.LIVE)
        .withLinks(List.of(new LinkSpec("uploads", shared)))
        .withSessionTimeout(Duration.ofSeconds(3))
        .withBehindGrace(Duration.ofSeconds(10))
        .withPreviousGrace(Duration.ofSeconds(2))
        .withCapture(settings.withTokenFile(captureToken)));
    agents.add(a);
    return a;
  }

  /** A coordinator, three live agents, and release r1 (a theme and a plugin) committed on all of them. */
  private ReleaseInfo cluster(CapturePolicy policy, CaptureSettings first) throws Exception {
    startCoordinator(policy);
    agent("agent-1", first);
    agent("agent-2", capture());
    agent("agent-3", capture());
    await().atMost(WAIT).until(() -> agents.stream().allMatch(a -> a.status().zkConnected()));
    Path tree = Files.createDirectories(tmp.resolve("src/themes/demo"));
    Files.writeString(tree.resolve("style.css"), "/* Theme Name: demo\nVersion: 1.0 */\n");
    Files.writeString(tree.resolve("index.php"), "<?php // demo\n");
    Files.createDirectories(tmp.resolve("src/plugins/akismet"));
    Files.writeString(tmp.resolve("src/plugins/akismet/akismet.php"), "<?php // akismet\n");
    ReleaseInfo r1 = coordinator.releases().create(tmp.resolve("src"), new ReleaseDraft("it", "first", null));
    RolloutStatus s = coordinator.rollouts().start(new RolloutRequest(r1.id(), Duration.ofSeconds(60),
        FailurePolicy.abort(), false));
    await().atMost(WAIT).until(() -> coordinator.rollouts().status(s.id()).state().isFinal());
    assertThat(coordinator.rollouts().status(s.id()).state()).isEqualTo(RolloutState.COMMITTED);
    for (AgentDaemon a : agents) {
      await().atMost(WAIT).until(() -> r1.id().equals(current(a)));
    }
    return r1;
  }

  private static String current(AgentDaemon a) throws IOException {
    Path link = a.config().rootDir().resolve("current");
    return Files.isSymbolicLink(link) ? Files.readSymbolicLink(link).getFileName().toString() : null;
  }

  private static Path live(AgentDaemon a) {
    return a.config().rootDir().resolve("current");
  }

  private static String read(AgentDaemon a, String path) {
    try {
      return Files.readString(live(a).resolve(path));
    } catch (IOException e) {
      return null;
    }
  }

  private void awaitEverywhere(String path, String content) {
    for (AgentDaemon a : agents) {
      await().atMost(WAIT).until(() -> content.equals(read(a, path)));
    }
  }

  private List<ProposalInfo> proposals() throws Exception {
    return coordinator.proposals().list();
  }

  private List<ProposalInfo> inState(ProposalState s) throws Exception {
    return proposals().stream().filter(p -> p.state() == s).toList();
  }

  private HttpResponse<byte[]> get(String path, String token) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(coordinator.httpUrl() + path))
        .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private HttpResponse<String> post(String url, String token, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  // ------------------------------------------------------------------ tests

  @Test
  void aPluginWrittenOnOneAgentReachesEveryAgentThroughOneCommittedRelease() throws Exception {
    ReleaseInfo r1 = cluster(CapturePolicy.AUTO, capture());
    AgentDaemon writer = agents.get(0);
    Path plugin = Files.createDirectories(live(writer).resolve("plugins/hello/inc"));
    Files.writeString(live(writer).resolve("plugins/hello/hello.php"), "<?php /* Plugin Name: Hello */\n");
    Files.writeString(plugin.resolve("helpers.php"), "<?php // helpers\n");
    Files.writeString(live(writer).resolve("uploads/2026-photo.jpg"), "jpeg"); // shared media: never captured

    awaitEverywhere("plugins/hello/hello.php", "<?php /* Plugin Name: Hello */\n");
    awaitEverywhere("plugins/hello/inc/helpers.php", "<?php // helpers\n");
    await().atMost(WAIT).until(() -> inState(ProposalState.COMMITTED).size() == 1);

    ProposalInfo p = inState(ProposalState.COMMITTED).get(0);
    assertThat(p.agentId()).isEqualTo("agent-1");
    assertThat(p.base()).isEqualTo(r1.id());
    assertThat(coordinator.releases().list()).as("r1 and the one release of the change").hasSize(2);
    for (AgentDaemon a : agents) {
      assertThat(current(a)).isEqualTo(p.release());
    }
    ReleaseInfo r2 = coordinator.releases().get(p.release());
    assertThat(r2.parent()).isEqualTo(r1.id());
    assertThat(coordinator.releases().manifest(r2).entries()).noneMatch(e -> e.path().startsWith("uploads"));
    Thread.sleep(1_500); // no further proposal follows the switch
    assertThat(proposals()).hasSize(1);
  }

  @Test
  void twoAgentsChangingDisjointPluginsAtTheSameMomentBothEndUpCommitted() throws Exception {
    cluster(CapturePolicy.AUTO, capture());
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<?>> writes = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        AgentDaemon a = agents.get(i);
        String name = i == 0 ? "alpha" : "beta";
        writes.add(pool.submit(() -> {
          go.await();
          Path dir = Files.createDirectories(live(a).resolve("plugins/" + name));
          Files.writeString(dir.resolve(name + ".php"), "<?php // " + name + "\n");
          return null;
        }));
      }
      go.countDown();
      for (Future<?> f : writes) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }

    awaitEverywhere("plugins/alpha/alpha.php", "<?php // alpha\n");
    awaitEverywhere("plugins/beta/beta.php", "<?php // beta\n");
    await().atMost(WAIT).until(() -> inState(ProposalState.COMMITTED).size() == 2);
    assertThat(inState(ProposalState.CONFLICT)).isEmpty();
    assertThat(inState(ProposalState.COMMITTED)).anyMatch(p -> p.rebasedOnto() != null);
    String last = coordinator.releases().list().get(coordinator.releases().list().size() - 1).id();
    for (AgentDaemon a : agents) {
      await().atMost(WAIT).until(() -> last.equals(current(a)));
    }
  }

  @Test
  void twoAgentsChangingTheSameFileGiveOneReleaseAndOneRetrievableConflict() throws Exception {
    cluster(CapturePolicy.AUTO, capture());
    String path = "themes/demo/style.css";
    Files.writeString(live(agents.get(0)).resolve(path), "/* Theme Name: demo\nVersion: 1.1 (agent-1) */\n");
    Files.writeString(live(agents.get(1)).resolve(path), "/* Theme Name: demo\nVersion: 1.1 (agent-2) */\n");

    await().atMost(WAIT).until(() -> inState(ProposalState.COMMITTED).size() == 1
        && inState(ProposalState.CONFLICT).size() == 1);
    ProposalInfo winner = inState(ProposalState.COMMITTED).get(0);
    ProposalInfo loser = inState(ProposalState.CONFLICT).get(0);
    String winnerText = "/* Theme Name: demo\nVersion: 1.1 (" + winner.agentId() + ") */\n";
    String loserText = "/* Theme Name: demo\nVersion: 1.1 (" + loser.agentId() + ") */\n";
    awaitEverywhere(path, winnerText);
    assertThat(coordinator.releases().list()).as("r1 and the winner's release").hasSize(2);
    assertThat(loser.conflictPaths()).containsExactly(path);
    assertThat(loser.conflictWith()).isEqualTo(winner.release());

    // the conflict is kept with its content, visible over the API and as a metric
    HttpResponse<byte[]> file = get("/api/v1/proposals/" + loser.id() + "/file?path="
        + URLEncoder.encode(path, StandardCharsets.UTF_8), READ);
    assertThat(file.statusCode()).isEqualTo(200);
    assertThat(new String(file.body(), StandardCharsets.UTF_8)).isEqualTo(loserText);
    JsonNode details = JSON.readTree(get("/api/v1/proposals/" + loser.id(), READ).body());
    assertThat(details.at("/proposal/state").asText()).isEqualTo("CONFLICT");
    assertThat(details.at("/changes/0/path").asText()).isEqualTo(path);
    String metrics = new String(get("/metrics", READ).body(), StandardCharsets.UTF_8);
    assertThat(metrics).contains("wpsync_proposals_conflicts 1.0");

    // an admin chooses the proposal's side: it rolls out everywhere
    HttpResponse<String> r = post(coordinator.httpUrl() + "/api/v1/proposals/" + loser.id() + "/resolve", ADMIN,
        "{\"keep\": \"proposal\", \"by\": \"it\"}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    awaitEverywhere(path, loserText);
    await().atMost(WAIT).until(() -> coordinator.proposals().get(loser.id()).state() == ProposalState.COMMITTED);
  }

  @Test
  void aWriteRacingTheSwitchIsCapturedAsAFollowUpAndNotLost() throws Exception {
    // agent-1 waits 20 s of quiet before capturing by itself: only "capture now" and the switch capture
    ReleaseInfo r1 = cluster(CapturePolicy.AUTO,
        capture().withMaxWait(Duration.ofSeconds(20)).withQuiet(Duration.ofSeconds(20)));
    AgentDaemon writer = agents.get(0);
    Files.createDirectories(live(writer).resolve("plugins/first"));
    Files.writeString(live(writer).resolve("plugins/first/first.php"), "<?php // first\n");

    // the WordPress mu-plugin asks for a capture after the install
    HttpResponse<String> now = post(writer.httpUrl() + "/api/v1/capture", CAPTURE, "");
    assertThat(now.statusCode()).as(now.body()).isEqualTo(200);
    assertThat(JSON.readTree(now.body()).at("/outcome").asText()).isEqualTo("proposed");
    // a write landing right after the capture, while that change rolls out: into the tree being left
    Files.writeString(live(writer).resolve("plugins/first/late.php"), "<?php // written during the rollout\n");

    awaitEverywhere("plugins/first/first.php", "<?php // first\n");
    awaitEverywhere("plugins/first/late.php", "<?php // written during the rollout\n");
    await().atMost(WAIT).until(() -> inState(ProposalState.COMMITTED).size() == 2);
    ProposalInfo followUp = proposals().get(0); // newest first
    assertThat(followUp.base()).as("proposed on the tree it was written in").isEqualTo(r1.id());
    assertThat(followUp.parent()).as("relative to the first capture").isEqualTo(proposals().get(1).manifestId());
    assertThat(followUp.rebasedOnto()).isNotNull();
  }

  @Test
  void aBurstOfAThousandFileWritesIsOneRelease() throws Exception {
    cluster(CapturePolicy.AUTO, capture());
    AgentDaemon writer = agents.get(0);
    Path plugin = live(writer).resolve("plugins/big");
    for (int d = 0; d < 20; d++) { // an unzip: 20 directories of 50 files
      Path dir = Files.createDirectories(plugin.resolve("module-" + d));
      for (int f = 0; f < 50; f++) {
        Files.writeString(dir.resolve("file-" + f + ".php"), "<?php // module " + d + " file " + f + "\n");
      }
    }
    awaitEverywhere("plugins/big/module-19/file-49.php", "<?php // module 19 file 49\n");
    await().atMost(WAIT).until(() -> inState(ProposalState.COMMITTED).size() == 1);
    Thread.sleep(1_500);
    assertThat(proposals()).hasSize(1);
    assertThat(coordinator.releases().list()).hasSize(2);
    ProposalInfo p = proposals().get(0);
    assertThat(p.added()).isEqualTo(1_000 + 20 + 1);
    for (AgentDaemon a : agents) {
      try (var files = Files.walk(live(a).resolve("plugins/big/"))) {
        assertThat(files.filter(Files::isRegularFile).count()).isEqualTo(1_000);
      }
    }
  }

  @Test
  void underTheApprovePolicyAChangeWaitsForAnAdmin() throws Exception {
    ReleaseInfo r1 = cluster(CapturePolicy.APPROVE, capture());
    Files.createDirectories(live(agents.get(1)).resolve("plugins/gated"));
    Files.writeString(live(agents.get(1)).resolve("plugins/gated/gated.php"), "<?php // gated\n");

    await().atMost(WAIT).until(() -> inState(ProposalState.PENDING).size() == 1);
    Thread.sleep(1_000);
    assertThat(current(agents.get(2))).isEqualTo(r1.id());
    assertThat(read(agents.get(2), "plugins/gated/gated.php")).isNull();
    String metrics = new String(get("/metrics", READ).body(), StandardCharsets.UTF_8);
    assertThat(metrics).contains("wpsync_proposals_pending 1.0");
    ProposalInfo p = inState(ProposalState.PENDING).get(0);

    // a capture token cannot approve; an admin token cannot propose
    assertThat(post(coordinator.httpUrl() + "/api/v1/proposals/" + p.id() + "/approve", CAPTURE, "").statusCode())
        .isEqualTo(403);
    HttpResponse<String> asAdmin = http.send(HttpRequest.newBuilder(URI.create(coordinator.httpUrl()
            + "/api/v1/proposals?agent=agent-2&base=" + r1.id() + "&manifest=" + p.manifestId()))
        .header("Authorization", "Bearer " + ADMIN).POST(HttpRequest.BodyPublishers.ofString("x")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(asAdmin.statusCode()).isEqualTo(403);

    HttpResponse<String> ok = post(coordinator.httpUrl() + "/api/v1/proposals/" + p.id() + "/approve", ADMIN,
        "{\"by\": \"alice\"}");
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    awaitEverywhere("plugins/gated/gated.php", "<?php // gated\n");
    await().atMost(WAIT).until(() -> coordinator.proposals().get(p.id()).state() == ProposalState.COMMITTED);
  }
}
