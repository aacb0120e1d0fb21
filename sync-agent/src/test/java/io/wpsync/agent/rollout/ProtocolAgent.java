package io.wpsync.agent.rollout;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wpsync.agent.registry.AgentMembership;
import io.wpsync.core.cluster.AgentInfo;
import io.wpsync.core.cluster.AgentState;
import io.wpsync.core.zk.ZkPaths;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;

/** One agent's rollout side (membership, readiness, convergence) over a {@link DirectoryWorkspace}. */
final class ProtocolAgent implements Closeable {
  final String id;
  final CuratorFramework client;
  final DirectoryWorkspace workspace;
  final AgentMembership membership;
  final Readiness readiness;
  final ReleaseConvergence convergence;
  final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  ProtocolAgent(String id, String connect, Path root, Path origin, Duration grace) throws IOException {
    this(id, connect, root, origin, grace, ZkLossPolicy.SERVE);
  }

  ProtocolAgent(String id, String connect, Path root, Path origin, Duration grace, ZkLossPolicy policy)
      throws IOException {
    this.id = id;
    this.client = CuratorFrameworkFactory.builder()
        .connectString(connect)
        .namespace(ZkPaths.namespace("test"))
        .sessionTimeoutMs(3000)
        .connectionTimeoutMs(3000)
        .retryPolicy(new ExponentialBackoffRetry(100, 3))
        .build();
    this.workspace = new DirectoryWorkspace(root, origin);
    AgentInfo info = new AgentInfo(id, "127.0.0.1", 1, "http://127.0.0.1:1", null, workspace.current(), null,
        AgentState.SYNCING, false, System.currentTimeMillis());
    this.membership = new AgentMembership(client, info);
    this.readiness = new Readiness(grace, policy, Clock.systemUTC());
    this.convergence = new ReleaseConvergence(new ReleaseConvergence.Config(Duration.ofMillis(200), Duration.ofSeconds(30)),
        client, new RolloutRecords(client, id), workspace, membership, readiness,
        new AgentMetrics(meters, readiness), Clock.systemUTC());
  }

  ProtocolAgent start() {
    client.start();
    membership.start();
    convergence.start();
    return this;
  }

  String current() throws IOException {
    return workspace.current();
  }

  @Override
  public void close() throws IOException {
    convergence.close();
    membership.close();
    client.close();
  }
}
