package io.wpsync.coordinator.zk;

import io.wpsync.core.cluster.ClusterJson;
import io.wpsync.core.cluster.ProposalInfo;
import io.wpsync.core.zk.ZkPaths;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local-change proposals in ZooKeeper ({@code /proposals/p<seq>}, JSON {@link ProposalInfo}).
 *
 * <p>Guarantees: a proposal is created once, as a new sequential znode (any coordinator may record
 * one it received: that decides nothing); every later state change is a decision of the leader,
 * written as ONE transaction that checks the leader's {@link Fence} and the record's version, so a
 * deposed leader or a stale view changes nothing ({@link FencedException}, {@link
 * ConcurrentDecisionException}). A record read always carries the id of its znode.
 */
public final class ProposalStore {
  private static final Logger log = LoggerFactory.getLogger(ProposalStore.class);

  private final CuratorFramework client;

  public ProposalStore(CuratorFramework client) {
    this.client = Objects.requireNonNull(client, "client");
  }

  /** Records a new proposal; returns it with its id. */
  public ProposalInfo create(ProposalInfo p) throws Exception {
    String path = client.create().creatingParentContainersIfNeeded().withMode(CreateMode.PERSISTENT_SEQUENTIAL)
        .forPath(ZkPaths.PROPOSALS + "/" + ZkPaths.PROPOSAL_PREFIX, ClusterJson.write(p));
    return p.withId(path.substring(path.lastIndexOf('/') + 1));
  }

  public Optional<Versioned<ProposalInfo>> get(String id) throws Exception {
    if (!ZkPaths.isValidId(id)) {
      return Optional.empty();
    }
    Stat st = new Stat();
    try {
      byte[] data = client.getData().storingStatIn(st).forPath(ZkPaths.proposal(id));
      return Optional.of(new Versioned<>(ClusterJson.read(data, ProposalInfo.class).withId(id), st.getVersion()));
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    }
  }

  /** Every proposal, oldest first, with its version (unreadable records are skipped with a warning). */
  public List<Versioned<ProposalInfo>> list() throws Exception {
    List<String> ids;
    try {
      ids = new ArrayList<>(client.getChildren().forPath(ZkPaths.PROPOSALS));
    } catch (KeeperException.NoNodeException e) {
      return List.of();
    }
    Collections.sort(ids);
    List<Versioned<ProposalInfo>> out = new ArrayList<>(ids.size());
    for (String id : ids) {
      try {
        get(id).ifPresent(out::add);
      } catch (IOException e) {
        log.warn("skipping unreadable proposal {}: {}", id, e.getMessage());
      }
    }
    return out;
  }

  /**
   * A state change decided by the leader: one transaction checking the fence and the record version.
   *
   * @throws FencedException if this coordinator no longer leads
   * @throws ConcurrentDecisionException if the record changed since {@code current} was read
   */
  public void update(Fence fence, Versioned<ProposalInfo> current, ProposalInfo next)
      throws Exception, FencedException, ConcurrentDecisionException {
    if (!current.value().id().equals(next.id())) {
      throw new IllegalArgumentException("update of " + current.value().id() + " with a record of " + next.id());
    }
    try {
      Transactions.run(client, List.of(
          client.transactionOp().check().withVersion(fence.epochVersion()).forPath(ZkPaths.EPOCH),
          client.transactionOp().setData().withVersion(current.version())
              .forPath(ZkPaths.proposal(next.id()), ClusterJson.write(next))));
    } catch (Transactions.Failed f) {
      if (f.index == 0) {
        throw new FencedException(fence, "updating proposal " + next.id());
      }
      Optional<Versioned<ProposalInfo>> now = get(next.id());
      if (now.isPresent() && now.get().value().equals(next)) {
        return; // our own write, retried by Curator after a connection loss
      }
      throw new ConcurrentDecisionException("proposal " + next.id() + " changed since it was read (now "
          + now.map(v -> v.value().state().toString()).orElse("gone") + ")");
    }
  }

  /**
   * Deletes the oldest final proposals beyond the newest {@code keep} final ones; proposals still
   * waiting for something (pending, queued, rolling out, conflicts, failures) are never deleted.
   */
  public int prune(int keep) throws Exception {
    List<Versioned<ProposalInfo>> all = list();
    List<String> finals = new ArrayList<>();
    for (Versioned<ProposalInfo> v : all) {
      if (v.value().state().isFinal()) {
        finals.add(v.value().id());
      }
    }
    int removed = 0;
    for (int i = 0; i < finals.size() - keep; i++) {
      try {
        client.delete().forPath(ZkPaths.proposal(finals.get(i)));
        removed++;
      } catch (KeeperException.NoNodeException ignored) {
        // pruned concurrently
      }
    }
    return removed;
  }
}
