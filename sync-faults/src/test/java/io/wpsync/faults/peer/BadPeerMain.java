package io.wpsync.faults.peer;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wpsync.agent.fetch.FetchConfig;
import io.wpsync.agent.fetch.FetchResult;
import io.wpsync.agent.fetch.SwarmFetcher;
import io.wpsync.agent.peer.LocalAvailability;
import io.wpsync.agent.peer.PeerAuth;
import io.wpsync.agent.peer.client.PeerClient;
import io.wpsync.agent.peer.client.PeerClientConfig;
import io.wpsync.agent.peer.server.PeerServer;
import io.wpsync.agent.peer.server.PeerServerConfig;
import io.wpsync.agent.registry.AgentMembership;
import io.wpsync.agent.registry.PeerDirectory;
import io.wpsync.agent.rollout.RolloutRecords;
import io.wpsync.core.cluster.AgentInfo;
import io.wpsync.core.cluster.AgentReport;
import io.wpsync.core.cluster.AgentState;
import io.wpsync.core.cluster.CommittedRelease;
import io.wpsync.core.cluster.ReleaseInfo;
import io.wpsync.core.cluster.RolloutInfo;
import io.wpsync.core.hash.Digest;
import io.wpsync.core.store.FileContentStore;
import io.wpsync.core.wire.ClusterSecret;
import io.wpsync.core.zk.ZkPaths;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;

/**
 * A misbehaving agent for the bad-peer test, run as its own process in its own host: it fetches a
 * release with the real swarm fetcher into a real store, then serves it with the real {@link
 * PeerServer} through a {@link MisbehavingStore} (every piece corrupted, or a stall after a few
 * pieces), announces itself in {@code /agents} as holding the release (so other agents rank it
 * first as a source), and votes PREPARED on a rollout of that release, as a peer whose disk went
 * bad after it verified its copy would.
 *
 * <p>{@code BadPeerMain ID IP PORT ZK SECRET_FILE RELEASE corrupt|stall STALL_AFTER STORE_DIR
 * PARENT_PID}. Prints {@code READY} when it serves; exits when its parent is gone, after 10
 * minutes, or on SIGTERM.
 */
public final class BadPeerMain {
  private BadPeerMain() {}

  public static void main(String[] args) throws Exception {
    String id = args[0];
    String ip = args[1];
    int port = Integer.parseInt(args[2]);
    String zk = args[3];
    Path secretFile = Path.of(args[4]);
    String releaseId = args[5];
    MisbehavingStore.Mode mode = MisbehavingStore.Mode.valueOf(args[6].toUpperCase(java.util.Locale.ROOT));
    int stallAfter = Integer.parseInt(args[7]);
    Path storeDir = Path.of(args[8]);
    long parent = Long.parseLong(args[9]);
    long endAt = System.currentTimeMillis() + TimeUnit.MINUTES.toMillis(10);

    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    PeerAuth auth = new PeerAuth("default", id, ClusterSecret.fromFile(secretFile));
    CuratorFramework client = CuratorFrameworkFactory.builder().connectString(zk)
        .namespace(ZkPaths.namespace("default")).sessionTimeoutMs(4_000).connectionTimeoutMs(4_000)
        .retryPolicy(new BoundedExponentialBackoffRetry(200, 2_000, 20)).build();
    client.start();
    RolloutRecords records = new RolloutRecords(client, id);
    ReleaseInfo release = records.release(releaseId);
    Digest manifestId = Digest.parse(release.manifestId());

    FileContentStore real = FileContentStore.open(storeDir.resolve("store"));
    MisbehavingStore bad = new MisbehavingStore(real, mode, stallAfter, manifestId, storeDir.resolve("scratch"));
    LocalAvailability availability = new LocalAvailability(bad);
    PeerClient peers = new PeerClient(PeerClientConfig.defaults(auth), registry);
    PeerDirectory directory = new PeerDirectory(client);
    directory.start();
    directory.awaitInitialized(10, TimeUnit.SECONDS);
    FetchResult got = new SwarmFetcher(real, peers, availability, id,
        FetchConfig.defaults().withTimeout(Duration.ofSeconds(60)), registry)
        .fetch(manifestId, directory.sources(id, releaseId, null, 10), null);
    System.err.println("bad peer " + id + ": holds " + releaseId + " (" + got.pieceCount() + " pieces)");

    PeerServer server = PeerServer.start(PeerServerConfig.defaults(ip, port, auth).withIoThreads(1), bad,
        availability, registry);
    CommittedRelease committed = records.committed();
    AgentMembership membership = new AgentMembership(client, new AgentInfo(id, ip, server.port(), null, null,
        committed == null ? null : committed.releaseId(), releaseId, AgentState.PREPARED, false,
        System.currentTimeMillis()));
    membership.start();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      bad.release();
      System.err.println("bad peer " + id + ": served " + bad.servedCount() + " pieces, " + bad.corruptedCount()
          + " corrupted");
    }));
    System.out.println("READY");
    System.out.flush();

    String voted = null;
    while (System.currentTimeMillis() < endAt
        && ProcessHandle.of(parent).map(ProcessHandle::isAlive).orElse(false)) {
      try {
        String active = records.activeRolloutId();
        if (active != null && !active.equals(voted)) {
          RolloutInfo r = records.rollout(active);
          if (r != null && releaseId.equals(r.target()) && r.participants().contains(id)) {
            records.writeReport(active, new AgentReport(id, AgentReport.State.PREPARED, null,
                System.currentTimeMillis(), 0));
            System.err.println("bad peer " + id + ": voted PREPARED on " + active);
          }
          voted = active;
        }
      } catch (Exception e) {
        System.err.println("bad peer " + id + ": " + e);
      }
      Thread.sleep(100);
    }
    System.exit(0);
  }
}
