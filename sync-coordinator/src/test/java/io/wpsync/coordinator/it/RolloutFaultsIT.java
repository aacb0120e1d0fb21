package io.wpsync.coordinator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.wpsync.agent.AgentDaemon;
import io.wpsync.coordinator.CoordinatorDaemon;
import io.wpsync.core.cluster.AgentReport;
import io.wpsync.core.cluster.ReleaseInfo;
import io.wpsync.core.cluster.RolloutInfo;
import io.wpsync.core.cluster.RolloutState;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rollouts under faults, end to end with real daemons: a 3-server ensemble (curator-test, shared by
 * the class), two coordinators and three {@link AgentDaemon}s per test (own temp directories,
 * loopback, ephemeral ports, own ZooKeeper namespace). Coordinators are in-process {@link
 * CoordinatorDaemon}s, except the leader that is crashed, which runs the same daemon in its own JVM
 * ({@link CoordinatorProcess}) so the crash is a real SIGKILL.
 *
 * <p>An agent's prepare is held back deterministically by putting its ZooKeeper connection behind
 * a {@link ZkRelay} and pausing it: it cannot see the rollout nor report until resumed, so the
 * fault always strikes while the rollout is PREPARING. In every test a {@link CurrentSampler} reads
 * each agent's {@code current} symlink every few milliseconds: no agent may ever point at a release
 * that no rollout record says COMMITTED, and all must end on {@code /committed}.
 */
class RolloutFaultsIT {
  private static final Duration WAIT = Duration.ofSeconds(40);
  /** Session of the held-back agent: long enough that a pause of a few seconds is just a slow network. */
  private static final Duration HELD_AGENT_SESSION = Duration.ofSeconds(15);

  private static TestingCluster ensemble;

  @TempDir
  Path tmp;

  private Fleet fleet;

  @BeforeAll
  static void startEnsemble() throws Exception {
    ensemble = new TestingCluster(3);
    ensemble.start();
  }

  @AfterAll
  static void stopEnsemble() throws Exception {
    ensemble.close();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (fleet != null) {
      fleet.close();
    }
  }

  private Fleet fleet(String network) throws Exception {
    fleet = new Fleet(tmp, network, ensemble.getConnectString());
    return fleet;
  }

  /** Agents agent-1, agent-2 on the ensemble; agent-3 behind {@code held} (not paused yet). */
  private List<AgentDaemon> threeAgents(ZkRelay held) throws Exception {
    fleet.agent("agent-1", ensemble.getConnectString(), Fleet.AGENT_SESSION);
    fleet.agent("agent-2", ensemble.getConnectString(), Fleet.AGENT_SESSION);
    fleet.agent("agent-3", held == null ? ensemble.getConnectString() : held.connectString(),
        held == null ? Fleet.AGENT_SESSION : HELD_AGENT_SESSION);
    await().atMost(WAIT).until(() -> fleet.zk.liveAgentIds().size() == 3);
    return fleet.agents();
  }

  private String startViaRest(CoordinatorDaemon via, String release) throws Exception {
    return startViaRest(via.httpUrl(), release);
  }

  private String startViaRest(String baseUrl, String release) throws Exception {
    HttpResponse<String> r = fleet.startRollout(baseUrl, release);
    assertThat(r.statusCode()).as("POST /api/v1/rollouts: %s", r.body()).isEqualTo(202);
    return Fleet.json(r.body()).path("id").asText();
  }

  private void awaitAllOn(String release) {
    for (AgentDaemon a : fleet.agents()) {
      await(a.id() + " switches to " + release).atMost(WAIT)
          .until(() -> release.equals(Fleet.current(a)) && a.readiness().ready());
    }
  }

  private void awaitPrepared(String rolloutId, String... agentIds) {
    await().atMost(WAIT).until(() -> {
      Map<String, AgentReport> reports = fleet.zk.reports(rolloutId);
      for (String id : agentIds) {
        AgentReport r = reports.get(id);
        if (r == null || r.state() != AgentReport.State.PREPARED) {
          return false;
        }
      }
      return true;
    });
  }

  /** Every release an agent pointed at was committed, and every agent ends on /committed. */
  private void assertNoAgentEverLeftTheCommittedHistory(CurrentSampler sampler, String expectedFinal) throws Exception {
    sampler.close();
    Set<String> committed = fleet.committedTargets();
    String pointer = fleet.zk.committed().orElseThrow().value().releaseId();
    assertThat(pointer).isEqualTo(expectedFinal);
    assertThat(sampler.samples()).isGreaterThan(10);
    sampler.seen().forEach((agent, releases) ->
        assertThat(committed).as("%s pointed current at %s; committed: %s", agent, releases, committed)
            .containsAll(releases));
    for (AgentDaemon a : fleet.agents()) {
      assertThat(Fleet.current(a)).as("%s ends on /committed", a.id()).isEqualTo(pointer);
    }
  }

  // --------------------------------------------------------------------------- (a) leader crash

  @Test
  void leaderCrashedDuringPrepareAndTheStandbyCommitsOnEveryAgent() throws Exception {
    fleet("leader-crash");
    // the leader runs in its own JVM, so that it can really crash (SIGKILL)
    CoordinatorProcess a = fleet.coordinatorProcess("coord-a", ensemble.getConnectString());
    await().atMost(WAIT).until(() -> fleet.zk.epoch().map(e -> e.value().leaderId()).orElse("").equals("coord-a"));
    String leaderUrl = fleet.httpUrl("coord-a");
    CoordinatorDaemon b = fleet.coordinator("coord-b", ensemble.getConnectString());
    ZkRelay slowAgent = fleet.keep(ZkRelay.inFrontOf(ensemble.getConnectString(), "agent-3"));
    threeAgents(slowAgent);

    ReleaseInfo r1 = fleet.release(b, "1.0"); // uploaded to the standby, copied to the leader before publication
    String first = startViaRest(leaderUrl, r1.id());
    await().atMost(WAIT).until(() -> fleet.rollout(first).state() == RolloutState.COMMITTED);
    awaitAllOn(r1.id());
    ReleaseInfo r2 = fleet.release(b, "2.0");
    assertThat(r2.copies()).isEqualTo(2);
    CurrentSampler sampler = CurrentSampler.start(fleet.agents());

    slowAgent.pause(); // agent-3 cannot see the rollout nor report until resumed
    String id = startViaRest(leaderUrl, r2.id());
    RolloutInfo started = fleet.rollout(id);
    assertThat(started.participants()).containsExactly("agent-1", "agent-2", "agent-3");
    awaitPrepared(id, "agent-1", "agent-2");
    assertThat(fleet.rollout(id).state()).isEqualTo(RolloutState.PREPARING);
    assertThat(fleet.zk.reports(id)).doesNotContainKey("agent-3");
    assertThat(b.isLeader()).isFalse();

    // crash: SIGKILL; coord-a closes no session and deletes nothing, the ensemble expires its
    // session after the session timeout, and only then can coord-b take over
    long crashedAt = System.currentTimeMillis();
    a.kill();
    slowAgent.resume(); // agent-3's PREPARED now arrives while nobody leads

    await().atMost(WAIT).until(b::isLeader);
    long tookOverAt = System.currentTimeMillis();
    await().atMost(WAIT).until(() -> fleet.rollout(id).state().isFinal());
    RolloutInfo decided = fleet.rollout(id);
    assertThat(decided.state()).as("reason: %s", decided.reason()).isEqualTo(RolloutState.COMMITTED);
    assertThat(decided.epoch()).as("decided in the standby's newer term").isGreaterThan(started.epoch());
    assertThat(fleet.zk.epoch().orElseThrow().value().leaderId()).isEqualTo("coord-b");
    assertThat(decided.decidedAt()).isGreaterThanOrEqualTo(crashedAt);
    assertThat(tookOverAt - crashedAt).as("the standby waited for the crashed leader's session to expire")
        .isGreaterThanOrEqualTo(Fleet.COORDINATOR_SESSION.toMillis() / 2);
    assertThat(decided.excluded()).isEmpty();
    assertThat(fleet.zk.committed().orElseThrow().value().rolloutId()).isEqualTo(id);
    awaitAllOn(r2.id());
    assertNoAgentEverLeftTheCommittedHistory(sampler, r2.id());
    sampler.seen().forEach((agent, seen) -> assertThat(seen).as(agent).containsExactly(r1.id(), r2.id()));
    await().atMost(WAIT).until(() -> fleet.get(b, "/api/v1/rollouts/" + id).path("switched").asInt() == 3);
    assertThat(fleet.get(b, "/api/v1/rollouts/" + id).path("state").asText()).isEqualTo("COMMITTED");
  }

  // --------------------------------------------------------------------------- (b) ZooKeeper server lost

  @Test
  void zooKeeperServerStoppedMidRolloutAndTheRolloutStillCommitsOnEveryAgent() throws Exception {
    fleet("zk-server-loss");
    CoordinatorDaemon a = fleet.coordinator("coord-a", ensemble.getConnectString());
    await().atMost(WAIT).until(a::isLeader);
    CoordinatorDaemon b = fleet.coordinator("coord-b", ensemble.getConnectString());
    ZkRelay slowAgent = fleet.keep(ZkRelay.inFrontOf(ensemble.getConnectString(), "agent-3"));
    threeAgents(slowAgent);
    ReleaseInfo r1 = fleet.release(a, "1.0");
    CurrentSampler sampler = CurrentSampler.start(fleet.agents());

    slowAgent.pause();
    String id = startViaRest(a, r1.id());
    awaitPrepared(id, "agent-1", "agent-2");
    assertThat(fleet.rollout(id).state()).isEqualTo(RolloutState.PREPARING);

    // stop the ensemble's leader: every server drops its clients while the other two elect a new
    // leader, so coordinators and agents all reconnect mid-rollout
    InstanceSpec victim = quorumLeader();
    assertThat(ensemble.killServer(victim)).isTrue();
    try {
      slowAgent.resume();
      await().atMost(WAIT).ignoreExceptions().until(() -> fleet.rollout(id).state().isFinal());
      RolloutInfo decided = fleet.rollout(id);
      assertThat(decided.state()).as("reason: %s", decided.reason()).isEqualTo(RolloutState.COMMITTED);
      await().atMost(WAIT).until(() -> a.isLeader() || b.isLeader());
      awaitAllOn(r1.id());
      assertNoAgentEverLeftTheCommittedHistory(sampler, r1.id());
      sampler.seen().forEach((agent, seen) -> assertThat(seen).as(agent).containsExactly(r1.id()));
      CoordinatorDaemon leader = a.isLeader() ? a : b;
      await().atMost(WAIT).ignoreExceptions()
          .until(() -> fleet.get(leader, "/api/v1/rollouts/" + id).path("switched").asInt() == 3);
    } finally {
      ensemble.restartServer(victim);
      await().atMost(WAIT).ignoreExceptions().until(() -> serverMode(victim) != null);
    }
  }

  /** The ensemble member that leads, asked with the {@code srvr} four-letter word. */
  private static InstanceSpec quorumLeader() throws IOException {
    for (InstanceSpec s : ensemble.getInstances()) {
      if ("leader".equals(serverMode(s))) {
        return s;
      }
    }
    throw new IllegalStateException("no ZooKeeper server reports 'Mode: leader'");
  }

  private static String serverMode(InstanceSpec s) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", s.getPort()), 2000);
      socket.setSoTimeout(2000);
      OutputStream out = socket.getOutputStream();
      out.write("srvr".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      String reply = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
      return reply.lines().filter(l -> l.startsWith("Mode: ")).map(l -> l.substring(6).strip()).findFirst()
          .orElse(null);
    }
  }

  // --------------------------------------------------------------------------- (c) concurrent starts

  @Test
  void twoConcurrentRolloutStartsOverRestOneIsAcceptedTheOtherRefusedNamingIt() throws Exception {
    fleet("concurrent-starts");
    CoordinatorDaemon a = fleet.coordinator("coord-a", ensemble.getConnectString());
    await().atMost(WAIT).until(a::isLeader);
    CoordinatorDaemon b = fleet.coordinator("coord-b", ensemble.getConnectString());
    ZkRelay slowAgent = fleet.keep(ZkRelay.inFrontOf(ensemble.getConnectString(), "agent-3"));
    threeAgents(slowAgent);
    CurrentSampler sampler = CurrentSampler.start(fleet.agents());

    // round 1: both requests to the leader; round 2: one to the leader, one to the standby (forwarded).
    // agent-3 is held back meanwhile, so the winner cannot finish before the loser is handled
    List<String> winners = new ArrayList<>();
    for (int round = 1; round <= 2; round++) {
      ReleaseInfo x = fleet.release(a, round + ".0-x");
      ReleaseInfo y = fleet.release(a, round + ".0-y");
      CoordinatorDaemon second = round == 1 ? a : b;
      slowAgent.pause();
      CyclicBarrier go = new CyclicBarrier(2);
      CompletableFuture<HttpResponse<String>> fx = CompletableFuture.supplyAsync(() -> race(go, a, x.id()));
      CompletableFuture<HttpResponse<String>> fy = CompletableFuture.supplyAsync(() -> race(go, second, y.id()));
      HttpResponse<String> rx = fx.get(60, TimeUnit.SECONDS);
      HttpResponse<String> ry = fy.get(60, TimeUnit.SECONDS);
      assertThat(List.of(rx.statusCode(), ry.statusCode()))
          .as("round %d: %s / %s", round, rx.body(), ry.body()).containsExactlyInAnyOrder(202, 409);
      HttpResponse<String> won = rx.statusCode() == 202 ? rx : ry;
      HttpResponse<String> lost = won == rx ? ry : rx;
      String winner = Fleet.json(won.body()).path("id").asText();
      String target = won == rx ? x.id() : y.id();
      String loserTarget = won == rx ? y.id() : x.id();
      assertThat(lost.headers().firstValue("Content-Type")).hasValueSatisfying(t ->
          assertThat(t).startsWith("application/problem+json"));
      JsonNode problem = Fleet.json(lost.body());
      assertThat(problem.path("status").asInt()).isEqualTo(409);
      assertThat(problem.path("detail").asText()).contains("rollout " + winner + " is in progress");
      assertThat(fleet.rollout(winner).state()).isEqualTo(RolloutState.PREPARING);
      slowAgent.resume();

      await().atMost(WAIT).until(() -> fleet.rollout(winner).state().isFinal());
      assertThat(fleet.rollout(winner).state()).isEqualTo(RolloutState.COMMITTED);
      assertThat(fleet.rollout(winner).target()).isEqualTo(target);
      awaitAllOn(target);
      assertThat(fleet.zk.rolloutIds()).as("the refused start left no record").hasSize(round);
      for (Set<String> seen : sampler.seen().values()) {
        assertThat(seen).doesNotContain(loserTarget);
      }
      winners.add(target);
    }
    assertNoAgentEverLeftTheCommittedHistory(sampler, winners.get(1));
    sampler.seen().forEach((agent, seen) -> assertThat(seen).as(agent).containsExactlyElementsOf(winners));
  }

  private HttpResponse<String> race(CyclicBarrier go, CoordinatorDaemon via, String release) {
    try {
      go.await(30, TimeUnit.SECONDS);
      return fleet.startRollout(via, release);
    } catch (Exception e) {
      throw new IllegalStateException("POST /api/v1/rollouts to " + via.httpUrl() + " failed", e);
    }
  }
}
