package io.wpsync.agent.registry;

import io.wpsync.core.cluster.AgentInfo;
import io.wpsync.core.cluster.ClusterJson;
import io.wpsync.core.zk.ZkPaths;
import java.io.Closeable;
import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.zookeeper.CreateMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This agent's ephemeral membership node {@code /agents/<id>} holding its {@link AgentInfo}.
 *
 * <p>Guarantees: while started, the node exists whenever the client has a session (Curator's
 * {@link PersistentNode} re-creates it after a session loss, and takes over a stale node left by
 * a previous run of the same agent id); it disappears when the session ends or on {@link #close()},
 * which is how the coordinator learns that an agent died. The node is written only when the
 * record changes in substance ({@code updatedAt} alone never causes a write), so ZooKeeper sees
 * state changes, never progress.
 *
 * <pre>{@code
 * AgentMembership m = new AgentMembership(client, info);
 * m.start();
 * m.update(info.withState(AgentState.PREPARING, current, null, true, now));
 * }</pre>
 */
public final class AgentMembership implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(AgentMembership.class);

  private enum State { LATENT, STARTED, CLOSED }

  private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
  private final PersistentNode node;
  private final String path;
  private final Object lock = new Object();
  private AgentInfo desired;
  private AgentInfo written;

  public AgentMembership(CuratorFramework client, AgentInfo initial) {
    this.desired = Objects.requireNonNull(initial, "initial");
    this.path = ZkPaths.agent(initial.id());
    this.node = new PersistentNode(client, CreateMode.EPHEMERAL, false, path, ClusterJson.write(initial));
    this.written = initial;
  }

  /** Starts keeping the node alive (creation happens in the background). */
  public void start() {
    if (!state.compareAndSet(State.LATENT, State.STARTED)) {
      throw new IllegalStateException("agent membership " + path + " already started or closed");
    }
    node.start();
  }

  /** The record this agent wants published. */
  public AgentInfo info() {
    synchronized (lock) {
      return desired;
    }
  }

  /** True once the node was created at least once. */
  public boolean isRegistered() {
    return node.getActualPath() != null;
  }

  /**
   * Publishes {@code info} if it differs from the last written record in anything but {@code
   * updatedAt}. Before the node was first created the record is kept and written by {@link
   * #flush()}.
   */
  public void update(AgentInfo info) {
    if (!info.id().equals(desired.id())) {
      throw new IllegalArgumentException("membership of " + desired.id() + " cannot publish " + info.id());
    }
    synchronized (lock) {
      desired = info;
    }
    flush();
  }

  /** Writes the desired record if it changed and the node exists; a no-op otherwise. */
  public void flush() {
    if (state.get() != State.STARTED || !isRegistered()) {
      return;
    }
    synchronized (lock) {
      if (sameSubstance(desired, written)) {
        return;
      }
      try {
        node.setData(ClusterJson.write(desired));
        written = desired;
      } catch (Exception e) { // only a programming error or an interrupted thread
        LOG.warn("cannot publish membership {}: {}", path, e.toString());
      }
    }
  }

  static boolean sameSubstance(AgentInfo a, AgentInfo b) {
    return a.withState(a.state(), a.currentRelease(), a.stagedRelease(), a.ready(), 0)
        .equals(b.withState(b.state(), b.currentRelease(), b.stagedRelease(), b.ready(), 0));
  }

  /** Deletes the node (best effort) and stops re-creating it. */
  @Override
  public void close() throws IOException {
    if (state.getAndSet(State.CLOSED) == State.STARTED) {
      node.close();
    }
  }
}
