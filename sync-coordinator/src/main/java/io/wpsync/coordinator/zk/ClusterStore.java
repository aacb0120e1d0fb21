package io.wpsync.coordinator.zk;

import io.wpsync.coordinator.rollout.RolloutConflictException;
import io.wpsync.core.cluster.AgentInfo;
import io.wpsync.core.cluster.AgentReport;
import io.wpsync.core.cluster.ClusterJson;
import io.wpsync.core.cluster.CommittedRelease;
import io.wpsync.core.cluster.CoordinatorInfo;
import io.wpsync.core.cluster.LeaderEpoch;
import io.wpsync.core.cluster.RolloutInfo;
import io.wpsync.core.cluster.RolloutState;
import io.wpsync.core.zk.ZkPaths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's reads and decision writes of cluster state in ZooKeeper (rollouts, the
 * committed pointer, the leader epoch, membership), over a Curator client already scoped to the
 * network's namespace.
 *
 * <p>Guarantees: every decision ({@link #startRollout}, {@link #commit}, {@link #abort}) is ONE
 * ZooKeeper transaction that checks the leader {@link Fence} first and the rollout record's version
 * next; it applies completely or not at all. A deposed leader gets {@link FencedException}, a
 * stale view gets {@link ConcurrentDecisionException}, and in both cases nothing changed. A
 * transaction that Curator retried after a connection loss, and that had in fact been applied, is
 * recognised and reported as success.
 */
public final class ClusterStore {
  private static final Logger log = LoggerFactory.getLogger(ClusterStore.class);

  private final CuratorFramework client;

  public ClusterStore(CuratorFramework client) {
    this.client = Objects.requireNonNull(client, "client");
  }

  /** The namespaced client (for the recipes built on the same connection). */
  public CuratorFramework client() {
    return client;
  }

  /** Creates the persistent parent znodes if missing (idempotent). */
  public void ensureLayout() throws Exception {
    for (String p : List.of(ZkPaths.AGENTS, ZkPaths.COORDINATORS, ZkPaths.RELEASES,
        ZkPaths.RELEASE_COPIES, ZkPaths.ROLLOUTS, "/locks")) {
      try {
        client.create().creatingParentContainersIfNeeded().withMode(CreateMode.PERSISTENT).forPath(p);
      } catch (KeeperException.NodeExistsException ignored) {
        // already there
      }
    }
  }

  // ---------------------------------------------------------------- epoch

  /** The current leader epoch with its znode version, if any leader ever took one. */
  public Optional<Versioned<LeaderEpoch>> epoch() throws Exception {
    return readVersioned(ZkPaths.EPOCH, LeaderEpoch.class);
  }

  /**
   * Takes a new leader term: increments {@code /epoch} with compare-and-set (creating it at epoch 1
   * if absent) and returns the fence whose version every later decision must check.
   */
  public Fence bumpEpoch(String leaderId, long now) throws Exception {
    for (int attempt = 0; attempt < 10; attempt++) {
      Optional<Versioned<LeaderEpoch>> cur = epoch();
      try {
        if (cur.isEmpty()) {
          LeaderEpoch e = new LeaderEpoch(1, leaderId, now);
          client.create().withMode(CreateMode.PERSISTENT).forPath(ZkPaths.EPOCH, ClusterJson.write(e));
          return new Fence(1, 0, leaderId);
        }
        LeaderEpoch next = new LeaderEpoch(cur.get().value().epoch() + 1, leaderId, now);
        Stat st = client.setData().withVersion(cur.get().version()).forPath(ZkPaths.EPOCH, ClusterJson.write(next));
        return new Fence(next.epoch(), st.getVersion(), leaderId);
      } catch (KeeperException.NodeExistsException | KeeperException.BadVersionException e) {
        log.info("epoch changed while {} bumped it; retrying", leaderId);
      }
    }
    throw new IllegalStateException("could not bump the leader epoch in 10 attempts: another coordinator keeps bumping it");
  }

  // ---------------------------------------------------------------- reads

  /** The committed-release pointer with its version. */
  public Optional<Versioned<CommittedRelease>> committed() throws Exception {
    return readVersioned(ZkPaths.COMMITTED, CommittedRelease.class);
  }

  /** The id of the rollout in progress, if any. */
  public Optional<String> activeRolloutId() throws Exception {
    try {
      byte[] data = client.getData().forPath(ZkPaths.ACTIVE_ROLLOUT);
      return Optional.of(new String(data, StandardCharsets.UTF_8).strip());
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    }
  }

  public Optional<Versioned<RolloutInfo>> rollout(String rolloutId) throws Exception {
    return readVersioned(ZkPaths.rollout(rolloutId), RolloutInfo.class);
  }

  /** Ids of every rollout record kept, oldest first (ids start with their UTC creation time). */
  public List<String> rolloutIds() throws Exception {
    List<String> ids = new ArrayList<>(children(ZkPaths.ROLLOUTS));
    Collections.sort(ids);
    return ids;
  }

  /** agent id → report, for one rollout (empty if none reported yet). */
  public Map<String, AgentReport> reports(String rolloutId) throws Exception {
    Map<String, AgentReport> out = new TreeMap<>();
    String base = ZkPaths.reports(rolloutId);
    for (String agent : children(base)) {
      readJson(base + "/" + agent, AgentReport.class).ifPresent(r -> out.put(agent, r));
    }
    return out;
  }

  /** Every live agent's membership record, by id. */
  public Map<String, AgentInfo> agents() throws Exception {
    Map<String, AgentInfo> out = new TreeMap<>();
    for (String id : children(ZkPaths.AGENTS)) {
      try {
        readJson(ZkPaths.AGENTS + "/" + id, AgentInfo.class).ifPresent(a -> out.put(id, a));
      } catch (IOException e) {
        log.warn("ignoring agent {}: {}", id, e.getMessage());
      }
    }
    return out;
  }

  /** Ids of the live agents (children of {@code /agents}). */
  public Set<String> liveAgentIds() throws Exception {
    return new TreeSet<>(children(ZkPaths.AGENTS));
  }

  /** Every live coordinator's registration, by id. */
  public Map<String, CoordinatorInfo> coordinators() throws Exception {
    Map<String, CoordinatorInfo> out = new TreeMap<>();
    for (String id : children(ZkPaths.COORDINATORS)) {
      try {
        readJson(ZkPaths.COORDINATORS + "/" + id, CoordinatorInfo.class).ifPresent(c -> out.put(id, c));
      } catch (IOException e) {
        log.warn("ignoring coordinator {}: {}", id, e.getMessage());
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- decisions

  /**
   * Records a new rollout in one transaction: checks the fence and that the target release exists,
   * creates {@code /active-rollout} (compare-and-set: fails if one exists), the rollout record and
   * its empty reports node.
   *
   * @throws RolloutConflictException if a rollout is already active (names it)
   * @throws IllegalStateException if the target release znode does not exist
   */
  public void startRollout(Fence fence, RolloutInfo rollout)
      throws Exception, FencedException, RolloutConflictException {
    if (rollout.state() != RolloutState.PREPARING) {
      throw new IllegalArgumentException("a new rollout must be PREPARING, got " + rollout.state());
    }
    List<CuratorOp> ops = List.of(
        epochCheck(fence),
        client.transactionOp().check().forPath(ZkPaths.release(rollout.target())),
        client.transactionOp().create().withMode(CreateMode.PERSISTENT)
            .forPath(ZkPaths.ACTIVE_ROLLOUT, rollout.id().getBytes(StandardCharsets.UTF_8)),
        client.transactionOp().create().withMode(CreateMode.PERSISTENT)
            .forPath(ZkPaths.rollout(rollout.id()), ClusterJson.write(rollout)),
        client.transactionOp().create().withMode(CreateMode.PERSISTENT).forPath(ZkPaths.reports(rollout.id())));
    try {
      Transactions.run(client, ops);
    } catch (Transactions.Failed f) {
      switch (f.index) {
        case 0 -> throw new FencedException(fence, "starting rollout " + rollout.id());
        case 1 -> throw new IllegalStateException("release " + rollout.target() + " vanished from ZooKeeper");
        case 2 -> {
          Optional<String> active = activeRolloutId();
          if (active.isPresent() && active.get().equals(rollout.id())) {
            return; // our own write, retried by Curator after a connection loss
          }
          throw new RolloutConflictException(active.orElse("(finished meanwhile)"));
        }
        default -> throw new IllegalStateException("rollout record " + rollout.id() + " exists already", f);
      }
    }
  }

  /**
   * THE commit decision, one transaction: check the fence; set the rollout record to {@code
   * decided} (COMMITTED) if its version is still {@code current.version()}; move {@code /committed}
   * (compare-and-set on its version, or create it); delete {@code /active-rollout}.
   */
  public void commit(Fence fence, Versioned<RolloutInfo> current, RolloutInfo decided, CommittedRelease pointer)
      throws Exception, FencedException, ConcurrentDecisionException {
    if (decided.state() != RolloutState.COMMITTED) {
      throw new IllegalArgumentException("commit() writes a COMMITTED record, got " + decided.state());
    }
    Optional<Versioned<CommittedRelease>> old = committed();
    List<CuratorOp> ops = new ArrayList<>();
    ops.add(epochCheck(fence));
    ops.add(client.transactionOp().setData().withVersion(current.version())
        .forPath(ZkPaths.rollout(decided.id()), ClusterJson.write(decided)));
    if (old.isPresent()) {
      ops.add(client.transactionOp().setData().withVersion(old.get().version())
          .forPath(ZkPaths.COMMITTED, ClusterJson.write(pointer)));
    } else {
      ops.add(client.transactionOp().create().withMode(CreateMode.PERSISTENT)
          .forPath(ZkPaths.COMMITTED, ClusterJson.write(pointer)));
    }
    ops.add(client.transactionOp().delete().forPath(ZkPaths.ACTIVE_ROLLOUT));
    decide(fence, decided, ops, "commit");
  }

  /**
   * THE abort decision, one transaction: check the fence; set the rollout record to {@code decided}
   * (ABORTED) if its version is still {@code current.version()}; delete {@code /active-rollout}.
   * {@code /committed} is untouched.
   */
  public void abort(Fence fence, Versioned<RolloutInfo> current, RolloutInfo decided)
      throws Exception, FencedException, ConcurrentDecisionException {
    if (decided.state() != RolloutState.ABORTED) {
      throw new IllegalArgumentException("abort() writes an ABORTED record, got " + decided.state());
    }
    List<CuratorOp> ops = new ArrayList<>();
    ops.add(epochCheck(fence));
    ops.add(client.transactionOp().setData().withVersion(current.version())
        .forPath(ZkPaths.rollout(decided.id()), ClusterJson.write(decided)));
    if (activeRolloutId().filter(decided.id()::equals).isPresent()) {
      ops.add(client.transactionOp().delete().forPath(ZkPaths.ACTIVE_ROLLOUT));
    }
    decide(fence, decided, ops, "abort");
  }

  private void decide(Fence fence, RolloutInfo decided, List<CuratorOp> ops, String what)
      throws Exception, FencedException, ConcurrentDecisionException {
    try {
      Transactions.run(client, ops);
    } catch (Transactions.Failed f) {
      if (f.index == 0) {
        throw new FencedException(fence, what + " of rollout " + decided.id());
      }
      Optional<Versioned<RolloutInfo>> now = rollout(decided.id());
      if (f.index == 1 && now.isPresent() && now.get().value().equals(decided)) {
        return; // our own write, retried by Curator after a connection loss
      }
      throw new ConcurrentDecisionException(String.format(
          "%s of rollout %s refused (%s at step %d): the record or the committed pointer changed; now %s",
          what, decided.id(), f.code, f.index, now.map(v -> v.value().state().toString()).orElse("gone")));
    }
  }

  /**
   * Deletes {@code /active-rollout} if it names a rollout whose record is final or missing (a state
   * only reachable by hand-editing ZooKeeper), fenced like a decision.
   */
  public void clearStaleActive(Fence fence, String rolloutId) throws Exception, FencedException {
    try {
      Transactions.run(client, List.of(epochCheck(fence),
          client.transactionOp().delete().forPath(ZkPaths.ACTIVE_ROLLOUT)));
      log.warn("removed /active-rollout naming {}, whose record is final or missing", rolloutId);
    } catch (Transactions.Failed f) {
      if (f.index == 0) {
        throw new FencedException(fence, "clearing /active-rollout");
      }
    }
  }

  /**
   * Deletes the oldest decided rollout records (with their reports) beyond the newest {@code keep};
   * the active rollout is never deleted. Returns how many were removed.
   */
  public int pruneRollouts(int keep) throws Exception {
    List<String> ids = rolloutIds();
    String active = activeRolloutId().orElse(null);
    int removed = 0;
    for (int i = 0; i < ids.size() - keep; i++) {
      String id = ids.get(i);
      if (id.equals(active)) {
        continue;
      }
      try {
        client.delete().deletingChildrenIfNeeded().forPath(ZkPaths.rollout(id));
        removed++;
      } catch (KeeperException.NoNodeException ignored) {
        // pruned concurrently
      }
    }
    return removed;
  }

  // ---------------------------------------------------------------- helpers

  private CuratorOp epochCheck(Fence fence) throws Exception {
    return client.transactionOp().check().withVersion(fence.epochVersion()).forPath(ZkPaths.EPOCH);
  }

  List<String> children(String path) throws Exception {
    try {
      return client.getChildren().forPath(path);
    } catch (KeeperException.NoNodeException e) {
      return List.of();
    }
  }

  <T> Optional<T> readJson(String path, Class<T> type) throws Exception {
    try {
      return Optional.of(ClusterJson.read(client.getData().forPath(path), type));
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    }
  }

  <T> Optional<Versioned<T>> readVersioned(String path, Class<T> type) throws Exception {
    Stat st = new Stat();
    byte[] data;
    try {
      data = client.getData().storingStatIn(st).forPath(path);
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    }
    return Optional.of(new Versioned<>(ClusterJson.read(data, type), st.getVersion()));
  }
}
