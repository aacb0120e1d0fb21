package io.wpsync.core.release;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes old releases, keeping: the current one (always), every pinned id (e.g. the release
 * staged by a rollout in progress), the {@code keepLast} most recently materialized, and every
 * release that {@code current} left less than {@code grace} ago (requests that resolved it before
 * the switch may still be reading it).
 *
 * <p>A release is removed by first renaming it to {@code releases/.deleting-<id>-<random>} (so it
 * stops being a release at once, never half-deleted under its own name), then its record, then the
 * tree, read-only directories included. Runs under the {@link ReleaseSwitch}'s lock, so no switch
 * happens between deciding what is current and deleting.
 *
 * <pre>{@code
 * ReleaseRetention retention = new ReleaseRetention(releaseSwitch, 3, Duration.ofMinutes(10), Clock.systemUTC());
 * retention.cleanup(Set.of(stagedId));
 * }</pre>
 */
public final class ReleaseRetention {
  private static final Logger log = LoggerFactory.getLogger(ReleaseRetention.class);
  private final ReleaseSwitch releaseSwitch;
  private final ReleaseLayout layout;
  private final int keepLast;
  private final Duration grace;
  private final Clock clock;

  public ReleaseRetention(ReleaseSwitch releaseSwitch, int keepLast, Duration grace, Clock clock) {
    this.releaseSwitch = Objects.requireNonNull(releaseSwitch, "releaseSwitch");
    this.layout = releaseSwitch.layout();
    if (keepLast < 0) {
      throw new IllegalArgumentException("keepLast must be >= 0, got " + keepLast);
    }
    if (grace.isNegative()) {
      throw new IllegalArgumentException("grace must not be negative, got " + grace);
    }
    this.keepLast = keepLast;
    this.grace = grace;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** What a cleanup kept (newest first) and removed. */
  public record Result(List<String> kept, List<String> removed) {
    public Result {
      kept = List.copyOf(kept);
      removed = List.copyOf(removed);
    }
  }

  /**
   * What {@link #cleanup} would delete now, newest first (e.g. to recycle one of them into the next
   * release instead of deleting it and building another from scratch).
   */
  public List<String> removable(Set<String> pinned) throws IOException {
    Objects.requireNonNull(pinned, "pinned");
    synchronized (releaseSwitch.lock()) {
      List<String> ids = newestFirst();
      Set<String> keep = keep(ids, pinned);
      List<String> out = new ArrayList<>();
      for (String id : ids) {
        if (!keep.contains(id)) {
          out.add(id);
        }
      }
      return out;
    }
  }

  private List<String> newestFirst() throws IOException {
    List<String> ids = layout.releaseIds();
    Map<String, Instant> created = new HashMap<>();
    for (String id : ids) {
      created.put(id, createdAt(id));
    }
    ids.sort(Comparator.comparing((String id) -> created.get(id)).reversed().thenComparing(Comparator.reverseOrder()));
    return ids;
  }

  private Set<String> keep(List<String> ids, Set<String> pinned) throws IOException {
    Instant now = clock.instant();
    Set<String> keep = new LinkedHashSet<>();
    releaseSwitch.current().ifPresent(keep::add);
    for (String id : ids) {
      if (pinned.contains(id)) {
        keep.add(id);
      }
    }
    keep.addAll(ids.subList(0, Math.min(keepLast, ids.size())));
    for (String id : ids) {
      Optional<Instant> left = layout.leftAt(id);
      if (left.isPresent() && left.get().plus(grace).isAfter(now)) {
        keep.add(id);
      }
    }
    return keep;
  }

  /** Deletes every release not kept by the rules above; {@code pinned} ids are kept too. */
  public Result cleanup(Set<String> pinned) throws IOException {
    Objects.requireNonNull(pinned, "pinned");
    synchronized (releaseSwitch.lock()) {
      List<String> ids = newestFirst();
      Set<String> keep = keep(ids, pinned);
      List<String> kept = new ArrayList<>();
      List<String> removed = new ArrayList<>();
      for (String id : ids) {
        if (keep.contains(id)) {
          kept.add(id);
        } else {
          remove(id);
          removed.add(id);
        }
      }
      if (!removed.isEmpty()) {
        log.info("release retention: removed {}, kept {}", removed, kept);
      }
      return new Result(kept, Collections.unmodifiableList(removed));
    }
  }

  private Instant createdAt(String id) throws IOException {
    Optional<ReleaseRecord> r = layout.record(id);
    if (r.isPresent()) {
      return r.get().createdAt();
    }
    return Files.getLastModifiedTime(layout.releaseDir(id), LinkOption.NOFOLLOW_LINKS).toInstant();
  }

  private void remove(String id) throws IOException {
    Path doomed = layout.releasesDir().resolve(ReleaseLayout.DELETING_PREFIX + id + "-" + ReleaseLayout.randomSuffix());
    Files.move(layout.releaseDir(id), doomed, StandardCopyOption.ATOMIC_MOVE);
    Files.deleteIfExists(layout.recordFile(id));
    Files.deleteIfExists(layout.leftFile(id));
    Trees.deleteTree(doomed);
  }
}
