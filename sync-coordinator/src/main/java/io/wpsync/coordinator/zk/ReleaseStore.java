package io.wpsync.coordinator.zk;

import io.wpsync.core.cluster.ClusterJson;
import io.wpsync.core.cluster.ReleaseInfo;
import io.wpsync.core.zk.ZkPaths;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The release history in ZooKeeper ({@code /releases/r<seq>}) and the copy ledger of releases
 * being published ({@code /release-copies/<manifest hex>/<holder>}).
 *
 * <p>Guarantees: releases are appended under the {@link InterProcessMutex} at {@link
 * ZkPaths#RELEASE_LOCK}, acquired and released by the calling thread, so the parent computed for a
 * new release is the state at the moment of its creation and no two writers interleave. Release
 * znodes are never modified after creation except to record their own id. A release read always
 * carries the id of its znode.
 */
public final class ReleaseStore {
  private static final Logger log = LoggerFactory.getLogger(ReleaseStore.class);

  private final CuratorFramework client;

  public ReleaseStore(CuratorFramework client) {
    this.client = Objects.requireNonNull(client, "client");
  }

  /** Thrown when the release lock cannot be taken in time. */
  public static final class LockTimeoutException extends Exception {
    public LockTimeoutException(long millis) {
      super("could not take the release-history lock " + ZkPaths.RELEASE_LOCK + " within " + millis
          + " ms; another writer holds it");
    }
  }

  /**
   * Appends a release. Under the lock, {@code build} receives the id the new znode will get and
   * returns the record (it may read ZooKeeper, e.g. to choose the parent; it runs on this thread).
   *
   * @return the published record, with its id
   */
  public ReleaseInfo publish(Function<String, ReleaseInfo> build, long lockTimeoutMillis) throws Exception {
    InterProcessMutex lock = new InterProcessMutex(client, ZkPaths.RELEASE_LOCK);
    if (!lock.acquire(lockTimeoutMillis, TimeUnit.MILLISECONDS)) {
      throw new LockTimeoutException(lockTimeoutMillis);
    }
    try {
      // a sequential znode's suffix is its parent's child-version: under the lock it is predictable,
      // so the record is written once, with its own id
      Stat parent = client.checkExists().forPath(ZkPaths.RELEASES);
      if (parent == null) {
        client.create().creatingParentContainersIfNeeded().forPath(ZkPaths.RELEASES);
        parent = client.checkExists().forPath(ZkPaths.RELEASES);
      }
      String predicted = ZkPaths.RELEASE_PREFIX + String.format("%010d", parent.getCversion());
      ReleaseInfo info = build.apply(predicted);
      String created = client.create().withMode(CreateMode.PERSISTENT_SEQUENTIAL)
          .forPath(ZkPaths.RELEASES + "/" + ZkPaths.RELEASE_PREFIX, ClusterJson.write(info));
      String id = created.substring(created.lastIndexOf('/') + 1);
      if (!id.equals(predicted)) {
        log.warn("release znode is {} where {} was expected (a writer bypassed the lock?); fixing its id", id, predicted);
        info = withId(info, id);
        client.setData().forPath(created, ClusterJson.write(info));
      }
      return info;
    } finally {
      lock.release();
    }
  }

  /** A release by id. */
  public Optional<ReleaseInfo> release(String id) throws Exception {
    if (!ZkPaths.isValidId(id)) {
      return Optional.empty();
    }
    try {
      return Optional.of(withId(ClusterJson.read(client.getData().forPath(ZkPaths.release(id)), ReleaseInfo.class), id));
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    }
  }

  /** Every release, oldest first. */
  public List<ReleaseInfo> releases() throws Exception {
    List<String> ids;
    try {
      ids = new ArrayList<>(client.getChildren().forPath(ZkPaths.RELEASES));
    } catch (KeeperException.NoNodeException e) {
      return List.of();
    }
    Collections.sort(ids);
    List<ReleaseInfo> out = new ArrayList<>(ids.size());
    for (String id : ids) {
      try {
        release(id).ifPresent(out::add);
      } catch (IOException e) {
        log.warn("skipping unreadable release {}: {}", id, e.getMessage());
      }
    }
    return out;
  }

  /** Records that {@code holderId}'s store holds every object of manifest {@code manifestHex}. */
  public void addCopy(String manifestHex, String holderId) throws Exception {
    try {
      client.create().creatingParentContainersIfNeeded().withMode(CreateMode.PERSISTENT)
          .forPath(ZkPaths.releaseCopy(manifestHex, holderId));
    } catch (KeeperException.NodeExistsException ignored) {
      // already recorded
    }
  }

  /** The stores known to hold every object of manifest {@code manifestHex}. */
  public List<String> copyHolders(String manifestHex) throws Exception {
    try {
      List<String> h = new ArrayList<>(client.getChildren().forPath(ZkPaths.releaseCopies(manifestHex)));
      Collections.sort(h);
      return h;
    } catch (KeeperException.NoNodeException e) {
      return List.of();
    }
  }

  /** Manifests listed in the copy ledger (hex ids). */
  public List<String> copyManifests() throws Exception {
    try {
      return client.getChildren().forPath(ZkPaths.RELEASE_COPIES);
    } catch (KeeperException.NoNodeException e) {
      return List.of();
    }
  }

  static ReleaseInfo withId(ReleaseInfo r, String id) {
    if (id.equals(r.id())) {
      return r;
    }
    return new ReleaseInfo(id, r.manifestId(), r.manifestBytes(), r.parent(), r.author(), r.message(),
        r.createdAt(), r.totalBytes(), r.fileCount(), r.copies());
  }
}
