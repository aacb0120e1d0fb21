package io.wpsync.faults.bed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Watches every agent's {@code current} symlink every few milliseconds, as a PHP request would
 * resolve it, for the whole run. Each time it sees {@code current} point at a release it did not
 * point at before, it checks at once that the release is complete (its directory and its record
 * {@code releases/.meta/<id>.release}, which the materializer writes before the directory
 * appears), and remembers the release, so the invariants can check later that every release ever
 * served was committed.
 */
public final class CurrentSampler implements AutoCloseable {
  private static final long PERIOD_MS = 15;

  /** An agent and the {@code --root} it serves from now. */
  public record Target(String agent, Path root) {}

  private final Supplier<List<Target>> targets;
  private final Map<String, String> last = new HashMap<>();
  private final Map<String, Set<String>> seen = new ConcurrentHashMap<>();
  private final List<String> violations = java.util.Collections.synchronizedList(new ArrayList<>());
  private final Thread thread;
  private volatile boolean running = true;
  private volatile long samples;

  public CurrentSampler(Supplier<List<Target>> targets) {
    this.targets = targets;
    this.thread = new Thread(this::run, "current-sampler");
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    while (running) {
      for (Target t : targets.get()) {
        sample(t);
      }
      samples++;
      try {
        Thread.sleep(PERIOD_MS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void sample(Target t) {
    Path link = t.root().resolve("current");
    String id;
    try {
      if (!Files.isSymbolicLink(link)) {
        return;
      }
      id = Files.readSymbolicLink(link).getFileName().toString();
    } catch (IOException e) {
      return; // replaced between the two calls: seen next time
    }
    String key = t.agent() + "@" + t.root();
    if (id.equals(last.get(key))) {
      return;
    }
    last.put(key, id);
    seen.computeIfAbsent(t.agent(), a -> ConcurrentHashMap.newKeySet()).add(id);
    Path dir = t.root().resolve("releases").resolve(id);
    Path record = t.root().resolve("releases/.meta").resolve(id + ".release");
    if (!Files.isDirectory(dir) || !Files.isRegularFile(record)) {
      violations.add(String.format("%s: current -> %s while %s%s", t.agent(), id,
          Files.isDirectory(dir) ? "" : "its directory is missing ", Files.isRegularFile(record) ? "" : "it has no record"));
    }
  }

  /** Releases each agent's {@code current} has pointed at since the start. */
  public Map<String, Set<String>> seen() {
    Map<String, Set<String>> out = new HashMap<>();
    seen.forEach((a, s) -> out.put(a, new LinkedHashSet<>(s)));
    return out;
  }

  public List<String> violations() {
    synchronized (violations) {
      return List.copyOf(violations);
    }
  }

  public long samples() {
    return samples;
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }
}
