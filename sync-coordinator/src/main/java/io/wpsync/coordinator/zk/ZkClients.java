package io.wpsync.coordinator.zk;

import io.wpsync.core.zk.ZkPaths;
import java.time.Duration;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;

/**
 * Builds the coordinator's Curator client: scoped to the network's namespace, with a short session
 * timeout (fast failover; Curator's 60 s default is far too slow), bounded retries, and the
 * connect string kept as configured (no ensemble tracking).
 */
public final class ZkClients {
  private ZkClients() {}

  /** A new, not yet started client for {@code connect} in network {@code network}'s namespace. */
  public static CuratorFramework newClient(String connect, String network, Duration sessionTimeout) {
    int session = Math.toIntExact(sessionTimeout.toMillis());
    if (session < 1000) {
      throw new IllegalArgumentException("session timeout must be at least 1 s, got " + sessionTimeout);
    }
    return CuratorFrameworkFactory.builder()
        .connectString(connect)
        .namespace(ZkPaths.namespace(network))
        .sessionTimeoutMs(session)
        .connectionTimeoutMs(Math.max(1000, session / 2))
        .retryPolicy(new ExponentialBackoffRetry(100, 8, Math.max(500, session / 3)))
        // the connect string as given, always: Curator's ensemble tracker would replace it with the
        // servers' own addresses from /zookeeper/config after a reconnect, bypassing a Service or proxy
        .ensembleTracker(false)
        .build();
  }
}
