package io.wpsync.coordinator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wpsync.agent.AgentConfig;
import io.wpsync.agent.AgentDaemon;
import io.wpsync.agent.HostPort;
import io.wpsync.agent.LinkSpec;
import io.wpsync.coordinator.CoordinatorConfig;
import io.wpsync.coordinator.CoordinatorDaemon;
import io.wpsync.coordinator.release.ReleaseDraft;
import io.wpsync.coordinator.rollout.RolloutRequest;
import io.wpsync.coordinator.rollout.RolloutStatus;
import io.wpsync.core.cluster.FailurePolicy;
import io.wpsync.core.cluster.ReleaseInfo;
import io.wpsync.core.cluster.RolloutState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on one machine: a 3-server ZooKeeper ensemble (curator-test), a real coordinator
 * (leader, release registry, origin store, rollout driver) and real agent daemons (store, peer
 * server, swarm, materializer, switch, HTTP) on loopback with ephemeral ports.
 */
class AgentsRolloutIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir
  Path tmp;

  private TestingCluster zk;
  private Path secret;
  private CoordinatorDaemon coordinator;
  private final List<AgentDaemon> agents = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    zk = new TestingCluster(3);
    zk.start();
    Files.createDirectories(tmp.resolve("etc"));
    byte[] raw = new byte[24];
    new SecureRandom().nextBytes(raw);
    secret = Files.writeString(tmp.resolve("etc/secret"), HexFormat.of().formatHex(raw));
    coordinator = CoordinatorDaemon.start(CoordinatorConfig.of("coord-1", tmp.resolve("coord-1"), zk.getConnectString())
        .withHttp(new HostPort("127.0.0.1", 0))
        .withP2p(new HostPort("127.0.0.1", 0))
        .withSecretFile(secret)
        .withSessionTimeout(Duration.ofSeconds(3))
        .withCopyWait(Duration.ofSeconds(1)));
    await().atMost(WAIT).until(coordinator::isLeader);
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

  private AgentConfig agentConfig(String id) {
    return AgentConfig.of(id, tmp.resolve(id).resolve("data"), tmp.resolve(id).resolve("root"), zk.getConnectString())
        .withSecretFile(secret)
        .withSessionTimeout(Duration.ofSeconds(3))
        .withBehindGrace(Duration.ofSeconds(5));
  }

  private AgentDaemon agent(AgentConfig config) throws Exception {
    AgentDaemon a = AgentDaemon.start(config);
    agents.add(a);
    return a;
  }

  private ReleaseInfo release(String version) throws Exception {
    Path tree = tmp.resolve("src-" + version);
    Files.createDirectories(tree.resolve("themes/demo"));
    Files.writeString(tree.resolve("themes/demo/style.css"), "/* Theme Name: demo\nVersion: " + version + " */\n");
    Files.writeString(tree.resolve("themes/demo/index.php"), "<?php // " + version + "\n");
    return coordinator.releases().create(tree, new ReleaseDraft("it", "version " + version, null));
  }

  private RolloutStatus rollout(ReleaseInfo r) throws Exception {
    RolloutStatus started = coordinator.rollouts().start(
        new RolloutRequest(r.id(), Duration.ofSeconds(30), FailurePolicy.abort(), false));
    await().atMost(WAIT).until(() -> coordinator.rollouts().status(started.id()).state().isFinal());
    return coordinator.rollouts().status(started.id());
  }

  private static String current(AgentDaemon a) throws Exception {
    Path link = a.config().rootDir().resolve("current");
    return Files.isSymbolicLink(link) ? Files.readSymbolicLink(link).getFileName().toString() : null;
  }

  private void awaitAgents(int n) {
    await().atMost(WAIT).until(() -> agents.stream().filter(a -> a.status().zkConnected()).count() == n);
  }

  @Test
  void rolloutCommitsOnAllAgentsAndAFailingAgentAbortsTheNext() throws Exception {
    for (int i = 1; i <= 3; i++) {
      agent(agentConfig("agent-" + i));
    }
    awaitAgents(3);
    ReleaseInfo r1 = release("1.0");
    RolloutStatus first = rollout(r1);
    assertThat(first.state()).as("first rollout: %s", first.reason()).isEqualTo(RolloutState.COMMITTED);
    for (AgentDaemon a : agents) {
      await().atMost(WAIT).until(() -> r1.id().equals(current(a)) && a.readiness().ready());
      assertThat(Files.readString(a.config().rootDir().resolve("current/themes/demo/style.css"))).contains("Version: 1.0");
    }
    await().atMost(WAIT).until(() -> coordinator.rollouts().status(first.id()).switched() == 3);
    assertThat(coordinator.rollouts().status(first.id()).switchSkewMillis()).isNotNull();

    // restart agent-3 with a linked path that collides with the release tree: it cannot prepare
    AgentDaemon third = agents.remove(2);
    third.close();
    Path shared = Files.createDirectories(tmp.resolve("shared-themes"));
    AgentDaemon bad = agent(agentConfig("agent-3").withLinks(List.of(new LinkSpec("themes", shared))));
    await().atMost(WAIT).until(() -> r1.id().equals(current(bad)) || bad.status().lastError() != null);

    ReleaseInfo r2 = release("2.0");
    RolloutStatus second = rollout(r2);
    assertThat(second.state()).isEqualTo(RolloutState.ABORTED);
    assertThat(second.reason()).contains("agent-3").contains("cannot be materialized");
    for (AgentDaemon a : agents) {
      assertThat(current(a)).as("nothing switched on %s", a.id()).isNotEqualTo(r2.id());
    }
  }

  @Test
  void agentKilledDuringPrepareIsDroppedAndCatchesUpOnRestart() throws Exception {
    for (int i = 1; i <= 3; i++) {
      agent(agentConfig("agent-" + i));
    }
    awaitAgents(3);
    ReleaseInfo r1 = release("1.0");
    assertThat(rollout(r1).state()).isEqualTo(RolloutState.COMMITTED);
    for (AgentDaemon a : agents) {
      await().atMost(WAIT).until(() -> r1.id().equals(current(a)));
    }

    ReleaseInfo r2 = release("2.0");
    RolloutStatus started = coordinator.rollouts().start(
        new RolloutRequest(r2.id(), Duration.ofSeconds(30), FailurePolicy.abort(), false));
    AgentDaemon victim = agents.remove(2);
    victim.close(); // dies during the prepare phase: its session ends, the leader drops it
    await().atMost(WAIT).until(() -> coordinator.rollouts().status(started.id()).state().isFinal());
    RolloutStatus done = coordinator.rollouts().status(started.id());
    assertThat(done.state()).as("reason: %s", done.reason()).isEqualTo(RolloutState.COMMITTED);
    for (AgentDaemon a : agents) {
      await().atMost(WAIT).until(() -> r2.id().equals(current(a)));
    }
    assertThat(current(victim)).isEqualTo(r1.id());

    AgentDaemon back = agent(agentConfig("agent-3"));
    assertThat(back.readiness().ready()).isFalse();
    await().atMost(WAIT).until(() -> r2.id().equals(current(back)) && back.readiness().ready());
    assertThat(Files.readString(back.config().rootDir().resolve("current/themes/demo/style.css"))).contains("Version: 2.0");
  }
}
