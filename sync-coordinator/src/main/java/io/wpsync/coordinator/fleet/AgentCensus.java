package io.wpsync.coordinator.fleet;

import io.wpsync.core.cluster.AgentInfo;
import io.wpsync.core.cluster.ClusterJson;
import io.wpsync.core.cluster.CommittedRelease;
import io.wpsync.core.zk.ZkPaths;
import java.io.Closeable;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live agents ({@code /agents/*}) and the committed release ({@code /committed}) as this
 * coordinator last saw them, kept in memory by {@link CuratorCache}s that re-arm their watches
 * across reconnections. Reading costs no ZooKeeper round trip, so metrics scrapes and status
 * polling at hundreds of requests per second add no ZooKeeper load; the view may lag ZooKeeper by
 * the time a watch event takes. Works on leader and standby alike.
 *
 * <pre>{@code
 * AgentCensus census = new AgentCensus(client).start();
 * Map<String, AgentSeen> agents = census.agents();
 * }</pre>
 */
public final class AgentCensus implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(AgentCensus.class);

  private enum State { LATENT, STARTED, CLOSED }

  /** An agent record and when ZooKeeper last changed it (the znode's mtime). */
  public record AgentSeen(AgentInfo info, long recordChangedAt) {}

  private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
  private final CuratorCache agentsCache;
  private final CuratorCache committedCache;
  private final Map<String, AgentSeen> agents = new ConcurrentHashMap<>();
  private final AtomicReference<CommittedRelease> committed = new AtomicReference<>();
  private final java.util.concurrent.CountDownLatch loaded = new java.util.concurrent.CountDownLatch(2);

  public AgentCensus(CuratorFramework client) {
    this.agentsCache = CuratorCache.build(client, ZkPaths.AGENTS);
    this.committedCache = CuratorCache.build(client, ZkPaths.COMMITTED, CuratorCache.Options.SINGLE_NODE_CACHE);
    agentsCache.listenable().addListener(CuratorCacheListener.builder()
        .forCreatesAndChanges((oldNode, node) -> agentChanged(node))
        .forDeletes(this::agentGone)
        .forInitialized(loaded::countDown)
        .build());
    committedCache.listenable().addListener(CuratorCacheListener.builder()
        .forCreatesAndChanges((oldNode, node) -> committedChanged(node))
        .forDeletes(node -> committed.set(null))
        .forInitialized(loaded::countDown)
        .build());
  }

  public AgentCensus start() {
    if (!state.compareAndSet(State.LATENT, State.STARTED)) {
      throw new IllegalStateException("cannot start a census that is " + state.get());
    }
    agentsCache.start();
    committedCache.start();
    return this;
  }

  /** Waits until both caches loaded once; false on timeout. */
  public boolean awaitLoaded(long timeout, TimeUnit unit) throws InterruptedException {
    return loaded.await(timeout, unit);
  }

  private void agentChanged(ChildData node) {
    String id = childId(node);
    if (id == null) {
      return;
    }
    try {
      AgentInfo info = ClusterJson.read(node.getData(), AgentInfo.class);
      long mtime = node.getStat() != null ? node.getStat().getMtime() : 0;
      agents.put(id, new AgentSeen(info, mtime));
    } catch (IOException | RuntimeException e) {
      log.warn("ignoring unreadable agent record {}: {}", node.getPath(), e.toString());
    }
  }

  private void agentGone(ChildData node) {
    String id = childId(node);
    if (id != null) {
      agents.remove(id);
    }
  }

  private static String childId(ChildData node) {
    String path = node.getPath();
    if (!path.startsWith(ZkPaths.AGENTS + "/")) {
      return null;
    }
    String rest = path.substring(ZkPaths.AGENTS.length() + 1);
    return rest.isEmpty() || rest.indexOf('/') >= 0 ? null : rest;
  }

  private void committedChanged(ChildData node) {
    try {
      committed.set(node.getData() == null || node.getData().length == 0 ? null
          : ClusterJson.read(node.getData(), CommittedRelease.class));
    } catch (IOException | RuntimeException e) {
      log.warn("unreadable {}: {}", ZkPaths.COMMITTED, e.toString());
    }
  }

  /** Live agents by id (sorted). */
  public Map<String, AgentSeen> agents() {
    return new TreeMap<>(agents);
  }

  /** The committed release pointer, if any. */
  public Optional<CommittedRelease> committed() {
    return Optional.ofNullable(committed.get());
  }

  @Override
  public void close() {
    if (state.getAndSet(State.CLOSED) == State.STARTED) {
      agentsCache.close();
      committedCache.close();
    }
  }
}
