package io.wpsync.coordinator.zk;

import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.OpResult;

/**
 * Runs a ZooKeeper multi-operation transaction and tells which operation failed, so callers can
 * map "the epoch check failed" to {@link FencedException} and "the rollout version moved" to
 * {@link ConcurrentDecisionException}. Package-private helper of the Curator-facing classes.
 */
final class Transactions {
  /** A failed transaction: the index of the first failing operation and its error. */
  static final class Failed extends Exception {
    final int index;
    final KeeperException.Code code;

    Failed(int index, KeeperException.Code code, KeeperException cause) {
      super("operation " + index + " failed: " + code, cause);
      this.index = index;
      this.code = code;
    }
  }

  private Transactions() {}

  /**
   * Runs {@code ops} atomically: all or nothing.
   *
   * @throws Failed if ZooKeeper refused one operation (nothing was applied)
   * @throws Exception on connection problems that outlast Curator's retries
   */
  static void run(CuratorFramework client, List<CuratorOp> ops) throws Exception {
    try {
      client.transaction().forOperations(ops);
    } catch (KeeperException e) {
      List<OpResult> results = e.getResults();
      if (results == null) {
        throw e; // not an operation failure (e.g. connection loss)
      }
      for (int i = 0; i < results.size(); i++) {
        if (results.get(i) instanceof OpResult.ErrorResult err) {
          KeeperException.Code c = KeeperException.Code.get(err.getErr());
          if (c != KeeperException.Code.OK && c != KeeperException.Code.RUNTIMEINCONSISTENCY) {
            throw new Failed(i, c, e);
          }
        }
      }
      throw e;
    }
  }
}
