package io.wpsync.coordinator.leader;

import io.wpsync.coordinator.zk.ClusterStore;
import io.wpsync.coordinator.zk.Fence;
import io.wpsync.core.zk.ZkPaths;
import java.io.Closeable;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.recipes.leader.Participant;
import org.apache.curator.framework.state.ConnectionState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election among coordinators, with a fencing token per leader term.
 *
 * <p>Guarantees: {@link #fence()} is present only while this coordinator holds the {@link
 * LeaderLatch}, its connection is not suspended, and it has bumped {@code /epoch} with
 * compare-and-set since it became leader; each term gets a new fence, so a decision written with a
 * stale fence fails. Connection states are handled as Curator recommends, in one place ({@link
 * #onConnectionState}): SUSPENDED pauses decisions (and the latch's default error policy also drops
 * leadership), LOST drops the fence, RECONNECTED resumes if leadership was kept. Every callback runs
 * on one thread, in order.
 *
 * <pre>{@code
 * CoordinatorLeadership leadership = new CoordinatorLeadership(client, store, "coord-1", listener, System::currentTimeMillis);
 * leadership.start();
 * leadership.fence().ifPresent(f -> store.commit(f, ...));
 * }</pre>
 */
public final class CoordinatorLeadership implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(CoordinatorLeadership.class);

  /** Told about leadership changes, on the leadership thread, in order. */
  public interface Listener {
    /** This coordinator leads, with {@code fence}; also called again after a reconnection kept it. */
    void gained(Fence fence);

    /** This coordinator no longer leads (or must pause); stop deciding. */
    void lost(String reason);
  }

  private enum State { LATENT, STARTED, CLOSED }

  private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
  private final CuratorFramework client;
  private final ClusterStore store;
  private final String id;
  private final Listener listener;
  private final LongSupplier clock;
  private final ExecutorService thread;
  private volatile LeaderLatch latch;
  private volatile Fence fence;
  private volatile boolean suspended;

  public CoordinatorLeadership(CuratorFramework client, ClusterStore store, String coordinatorId,
      Listener listener, LongSupplier clock) {
    this.client = Objects.requireNonNull(client, "client");
    this.store = Objects.requireNonNull(store, "store");
    this.id = ZkPaths.checkId("coordinator id", coordinatorId);
    this.listener = Objects.requireNonNull(listener, "listener");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.thread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "leadership-" + coordinatorId);
      t.setDaemon(true);
      return t;
    });
  }

  /** Joins the election. */
  public void start() throws Exception {
    if (!state.compareAndSet(State.LATENT, State.STARTED)) {
      throw new IllegalStateException("cannot start leadership that is " + state.get());
    }
    client.getConnectionStateListenable().addListener((c, s) -> onConnectionState(s), thread);
    latch = newLatch();
    latch.start();
  }

  private LeaderLatch newLatch() {
    LeaderLatch l = new LeaderLatch(client, ZkPaths.LEADER, id, LeaderLatch.CloseMode.SILENT);
    l.addListener(new LeaderLatchListener() {
      @Override
      public void isLeader() {
        onGained(l);
      }

      @Override
      public void notLeader() {
        if (l == latch) {
          dropFence("leadership lost (latch)");
        }
      }
    }, thread);
    return l;
  }

  private void onGained(LeaderLatch l) {
    if (l != latch || state.get() != State.STARTED) {
      return;
    }
    Fence f;
    try {
      f = store.bumpEpoch(id, clock.getAsLong());
    } catch (Exception e) {
      log.warn("{} became leader but could not bump the epoch ({}); re-entering the election", id, e.toString());
      restartLatch();
      return;
    }
    if (!l.hasLeadership() || l != latch) {
      log.info("{} lost leadership while taking epoch {}", id, f.epoch());
      return;
    }
    fence = f;
    suspended = false;
    log.info("{} is the leader, epoch {} (fence version {})", id, f.epoch(), f.epochVersion());
    listener.gained(f);
  }

  /** The one place connection states are handled. Runs on the leadership thread. */
  private void onConnectionState(ConnectionState s) {
    switch (s) {
      case SUSPENDED -> {
        // the connection may come back within the session: pause decisions, keep the fence for now
        suspended = true;
        if (fence != null) {
          log.warn("{}: ZooKeeper connection suspended; decisions paused", id);
          listener.lost("ZooKeeper connection suspended");
        }
      }
      case LOST -> {
        suspended = true;
        dropFence("ZooKeeper session lost");
      }
      case RECONNECTED, CONNECTED -> {
        suspended = false;
        LeaderLatch l = latch;
        if (fence != null && l != null && l.hasLeadership()) {
          log.info("{}: reconnected and still the leader (epoch {})", id, fence.epoch());
          listener.gained(fence);
        }
      }
      case READ_ONLY -> suspended = true;
    }
  }

  private void dropFence(String reason) {
    Fence f = fence;
    fence = null;
    if (f != null) {
      log.warn("{} stops leading (epoch {}): {}", id, f.epoch(), reason);
      listener.lost(reason);
    }
  }

  /** The fence of the current term, if this coordinator leads and may decide right now. */
  public Optional<Fence> fence() {
    Fence f = fence;
    return suspended || state.get() != State.STARTED ? Optional.empty() : Optional.ofNullable(f);
  }

  /** True while {@link #fence()} is present. */
  public boolean isLeader() {
    return fence().isPresent();
  }

  /** The id of the current leader according to the latch, if one is elected. */
  public Optional<String> leaderId() {
    LeaderLatch l = latch;
    if (l == null) {
      return Optional.empty();
    }
    try {
      Participant p = l.getLeader();
      return p.isLeader() && !p.getId().isEmpty() ? Optional.of(p.getId()) : Optional.empty();
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  /**
   * Gives up the current term after a decision failed its fencing check (another coordinator took
   * a newer epoch): drops the fence and re-enters the election with a fresh latch.
   */
  public void standDown(String reason) {
    if (state.get() != State.STARTED) {
      return;
    }
    thread.execute(() -> {
      dropFence(reason);
      restartLatch();
    });
  }

  private void restartLatch() {
    if (state.get() != State.STARTED) {
      return;
    }
    LeaderLatch old = latch;
    latch = newLatch();
    try {
      old.close();
    } catch (Exception e) {
      log.debug("closing the old latch: {}", e.toString());
    }
    try {
      latch.start();
    } catch (Exception e) {
      log.error("{} could not re-enter the leader election", id, e);
    }
  }

  @Override
  public void close() {
    if (state.getAndSet(State.CLOSED) != State.STARTED) {
      return;
    }
    fence = null;
    thread.execute(() -> {
      try {
        latch.close();
      } catch (Exception e) {
        log.debug("closing the latch: {}", e.toString());
      }
    });
    thread.shutdown();
    try {
      if (!thread.awaitTermination(5, TimeUnit.SECONDS)) {
        thread.shutdownNow();
      }
    } catch (InterruptedException e) {
      thread.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
