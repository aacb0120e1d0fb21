package io.wpsync.coordinator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wpsync.coordinator.zk.ZkClients;
import java.time.Duration;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.Test;

/**
 * The client keeps using the connect string it was given (a Service, a load balancer, a proxy),
 * never the servers' own addresses from {@code /zookeeper/config}: with Curator's ensemble tracker
 * on, a client behind a relay learned the servers' real ports and, once the relay was cut,
 * reconnected around it.
 */
class ZkConnectStringIT {
  @Test
  void aClientBehindARelayStaysBehindIt() throws Exception {
    try (TestingCluster ensemble = new TestingCluster(3)) {
      ensemble.start();
      try (ZkRelay relay = ZkRelay.inFrontOf(ensemble.getConnectString(), "client");
          CuratorFramework client = ZkClients.newClient(relay.connectString(), "relay-test", Duration.ofSeconds(4))) {
        client.start();
        assertThat(client.blockUntilConnected(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        client.create().creatingParentsIfNeeded().forPath("/probe", new byte[] {1});
        Thread.sleep(1_000); // time for a tracker, if any, to read /zookeeper/config and switch

        relay.cut();

        await().atMost(Duration.ofSeconds(15))
            .until(() -> !client.getZookeeperClient().isConnected());
        Thread.sleep(6_000); // longer than the session: a client that went around the relay is back by now
        assertThat(client.getZookeeperClient().isConnected()).as("connected around the relay").isFalse();
        assertThat(client.getZookeeperClient().getCurrentConnectionString()).isEqualTo(relay.connectString());
      }
    }
  }
}
