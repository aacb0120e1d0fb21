package io.wpsync.coordinator.it;

import io.wpsync.agent.AgentDaemon;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads every agent's {@code current} symlink every few milliseconds on a background thread and
 * remembers each release it ever pointed at, so a test can check afterwards that no agent served,
 * even briefly, a release that was never committed.
 */
final class CurrentSampler implements AutoCloseable {
  private final List<AgentDaemon> agents;
  private final Map<String, Set<String>> seen = new TreeMap<>();
  private final Thread thread;
  private volatile boolean running = true;
  private long samples;

  private CurrentSampler(List<AgentDaemon> agents) {
    this.agents = List.copyOf(agents);
    agents.forEach(a -> seen.put(a.id(), new LinkedHashSet<>()));
    this.thread = new Thread(this::run, "current-sampler");
    thread.setDaemon(true);
  }

  static CurrentSampler start(List<AgentDaemon> agents) {
    CurrentSampler s = new CurrentSampler(agents);
    s.thread.start();
    return s;
  }

  private void run() {
    while (running) {
      synchronized (this) {
        for (AgentDaemon a : agents) {
          String c = Fleet.current(a);
          if (c != null) {
            seen.get(a.id()).add(c);
          }
        }
        samples++;
      }
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** agent id -> every release its {@code current} named while sampled, in order of first sight. */
  synchronized Map<String, Set<String>> seen() {
    Map<String, Set<String>> copy = new TreeMap<>();
    seen.forEach((k, v) -> copy.put(k, new LinkedHashSet<>(v)));
    return copy;
  }

  synchronized long samples() {
    return samples;
  }

  @Override
  public void close() {
    running = false;
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
