package io.wpsync.agent.registry;

import io.wpsync.agent.peer.PeerAddress;
import io.wpsync.core.cluster.AgentInfo;
import io.wpsync.core.cluster.ClusterJson;
import io.wpsync.core.cluster.CoordinatorInfo;
import io.wpsync.core.zk.ZkPaths;
import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A live view of the cluster's members: agents ({@code /agents/<id>}) and coordinators ({@code
 * /coordinators/<id>}, the origins that hold every published release), kept by two {@link
 * CuratorCache}s. Reads never touch ZooKeeper; the view may lag it by a watch round trip, which is
 * fine for choosing download sources. A malformed member record is skipped with a warning.
 */
public final class PeerDirectory implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(PeerDirectory.class);

  private enum State { LATENT, STARTED, CLOSED }

  private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
  private final CuratorCache agents;
  private final CuratorCache coordinators;
  private final CountDownLatch initialized = new CountDownLatch(2);
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  public PeerDirectory(CuratorFramework client) {
    this.agents = CuratorCache.build(client, ZkPaths.AGENTS);
    this.coordinators = CuratorCache.build(client, ZkPaths.COORDINATORS);
  }

  /** {@code onChange} runs (on a Curator thread; keep it short) whenever a member comes, goes or changes. */
  public void addListener(Runnable onChange) {
    listeners.add(onChange);
  }

  public void start() {
    if (!state.compareAndSet(State.LATENT, State.STARTED)) {
      throw new IllegalStateException("peer directory already started or closed");
    }
    for (CuratorCache cache : List.of(agents, coordinators)) {
      cache.listenable().addListener(CuratorCacheListener.builder()
          .forAll((type, before, after) -> fire())
          .forInitialized(initialized::countDown)
          .build());
      cache.start();
    }
  }

  /** Waits until both caches hold their first full view; false on timeout. */
  public boolean awaitInitialized(long timeout, TimeUnit unit) throws InterruptedException {
    return initialized.await(timeout, unit);
  }

  private void fire() {
    for (Runnable r : listeners) {
      try {
        r.run();
      } catch (RuntimeException e) {
        LOG.warn("peer directory listener failed", e);
      }
    }
  }

  /** Live agents by id (sorted). */
  public Map<String, AgentInfo> agents() {
    Map<String, AgentInfo> out = new TreeMap<>();
    for (ChildData d : children(agents, ZkPaths.AGENTS)) {
      AgentInfo info = parse(d, AgentInfo.class);
      if (info != null) {
        out.put(lastSegment(d.getPath()), info);
      }
    }
    return out;
  }

  /** Live coordinators, sorted by id. */
  public List<CoordinatorInfo> coordinators() {
    List<CoordinatorInfo> out = new ArrayList<>();
    for (ChildData d : children(coordinators, ZkPaths.COORDINATORS)) {
      CoordinatorInfo info = parse(d, CoordinatorInfo.class);
      if (info != null) {
        out.add(info);
      }
    }
    out.sort(Comparator.comparing(CoordinatorInfo::id));
    return out;
  }

  /**
   * Download sources for {@code releaseId}: up to {@code maxAgents} live agents other than {@code
   * self} (see {@link SourceSelection}) plus every live coordinator.
   */
  public List<PeerAddress> sources(String self, String releaseId, String zone, int maxAgents) {
    return SourceSelection.choose(agents().values(), coordinators(), self, releaseId, zone, maxAgents,
        java.util.concurrent.ThreadLocalRandom.current());
  }

  private static List<ChildData> children(CuratorCache cache, String parent) {
    String prefix = parent + "/";
    return cache.stream()
        .filter(d -> d.getPath().startsWith(prefix) && d.getPath().indexOf('/', prefix.length()) < 0)
        .toList();
  }

  private static <T> T parse(ChildData d, Class<T> type) {
    try {
      return ClusterJson.read(d.getData(), type);
    } catch (IOException e) {
      LOG.warn("skipping member {}: {}", d.getPath(), e.getMessage());
      return null;
    }
  }

  private static String lastSegment(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  @Override
  public void close() {
    if (state.getAndSet(State.CLOSED) == State.STARTED) {
      agents.close();
      coordinators.close();
    }
  }
}
