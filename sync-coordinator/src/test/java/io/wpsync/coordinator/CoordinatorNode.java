package io.wpsync.coordinator;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wpsync.coordinator.leader.CoordinatorLeadership;
import io.wpsync.coordinator.rollout.RolloutDriver;
import io.wpsync.coordinator.zk.ClusterStore;
import io.wpsync.coordinator.zk.ReleaseStore;
import io.wpsync.coordinator.zk.ZkClients;
import io.wpsync.core.cluster.ReleaseInfo;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;

/**
 * The ZooKeeper half of a coordinator (client, stores, leadership, rollout driver) for ITs, without
 * HTTP or object stores. Closing it is a clean coordinator stop.
 */
public final class CoordinatorNode implements AutoCloseable {
  public final String id;
  public final CuratorFramework client;
  public final ClusterStore store;
  public final ReleaseStore releases;
  public final RolloutDriver driver;
  public final CoordinatorLeadership leadership;
  public final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  public CoordinatorNode(String connect, String network, String id, Duration defaultDeadline) throws Exception {
    this.id = id;
    this.client = ZkClients.newClient(connect, network, Duration.ofSeconds(3));
    client.start();
    if (!client.blockUntilConnected(20, TimeUnit.SECONDS)) {
      throw new IllegalStateException(id + " could not connect to " + connect);
    }
    this.store = new ClusterStore(client);
    store.ensureLayout();
    this.releases = new ReleaseStore(client);
    this.driver = new RolloutDriver(store, releases, new CoordinatorMetrics(meters, System::currentTimeMillis),
        System::currentTimeMillis, defaultDeadline);
    this.leadership = new CoordinatorLeadership(client, store, id, driver, System::currentTimeMillis);
    driver.standDownWith(leadership::standDown);
  }

  public CoordinatorNode start() throws Exception {
    leadership.start();
    return this;
  }

  /** Publishes a release record (no objects behind it: these ITs exercise ZooKeeper only). */
  public ReleaseInfo publishRelease(String message) throws Exception {
    String manifest = "sha256:" + io.wpsync.core.hash.Digest.of(message.getBytes()).hex();
    return releases.publish(id -> new ReleaseInfo(id, manifest, 100, null, "it", message,
        System.currentTimeMillis(), 1000, 3, 1), 10_000);
  }

  @Override
  public void close() {
    driver.close();
    leadership.close();
    client.close();
  }
}
