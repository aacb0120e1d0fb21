package io.wpsync.coordinator.zk;

import java.io.Closeable;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;

/**
 * Calls {@code onChange} whenever a znode at or under {@code path} is created, changed or deleted
 * (and once when the initial load completes), through a {@link CuratorCache}, which re-arms its
 * watches across reconnections. Listeners must be quick: they run on Curator's event thread, so
 * they should only schedule work.
 */
public final class TreeWatch implements Closeable {
  private enum State { LATENT, STARTED, CLOSED }

  private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
  private final CuratorCache cache;

  public TreeWatch(CuratorFramework client, String path, Runnable onChange) {
    Objects.requireNonNull(onChange, "onChange");
    this.cache = CuratorCache.build(client, path);
    cache.listenable().addListener(CuratorCacheListener.builder()
        .forAll((type, oldData, data) -> onChange.run())
        .forInitialized(onChange::run)
        .build());
  }

  public TreeWatch start() {
    if (!state.compareAndSet(State.LATENT, State.STARTED)) {
      throw new IllegalStateException("cannot start a watch that is " + state.get());
    }
    cache.start();
    return this;
  }

  @Override
  public void close() {
    if (state.getAndSet(State.CLOSED) == State.STARTED) {
      cache.close();
    }
  }
}
