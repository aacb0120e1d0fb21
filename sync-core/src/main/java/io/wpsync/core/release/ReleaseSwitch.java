package io.wpsync.core.release;

import io.wpsync.core.store.Durable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotLinkException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The atomic switch: moves {@code ROOT/current} from one complete release to another in one
 * {@code rename(2)}.
 *
 * <p>{@link #switchTo} creates {@code ROOT/.current-<random>}, a symlink with the RELATIVE target
 * {@code releases/<id>}, renames it over {@code ROOT/current} (atomic for symlinks: every path
 * lookup resolves either the old or the new link, never neither) and fsyncs {@code ROOT}. A reader
 * that resolves {@code current} once (readlink, realpath, or a chdir into it) and then reads
 * relative to the resolved directory sees one release throughout; a reader that resolves
 * {@code current/…} anew for every file may see files of two releases across a switch: resolve
 * once per request.
 *
 * <p>Before switching, the release being left gets a note of when it was left
 * ({@code .meta/<id>.left}, atomic but not fsynced: it only matters while the processes reading
 * that release live, which a power loss ends anyway), so {@link ReleaseRetention} keeps it for a
 * grace period. Switches and retention runs of one instance are serialized; one instance per root.
 *
 * <pre>{@code
 * ReleaseSwitch sw = new ReleaseSwitch(layout, Clock.systemUTC());
 * sw.switchTo("r42");
 * String now = sw.current().orElseThrow();
 * }</pre>
 */
public final class ReleaseSwitch {
  private static final Logger log = LoggerFactory.getLogger(ReleaseSwitch.class);
  private final ReleaseLayout layout;
  private final Clock clock;
  private final Object lock = new Object();

  public ReleaseSwitch(ReleaseLayout layout, Clock clock) {
    this.layout = Objects.requireNonNull(layout, "layout");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public ReleaseLayout layout() {
    return layout;
  }

  /** Held while switching; {@link ReleaseRetention} holds it while deciding and deleting. */
  Object lock() {
    return lock;
  }

  /**
   * Makes {@code id} current. A no-op if it already is.
   *
   * @throws NoSuchReleaseException if {@code releases/<id>} does not exist or is not complete
   */
  public void switchTo(String id) throws IOException {
    ReleaseLayout.checkId(id);
    synchronized (lock) {
      if (!layout.isComplete(id)) {
        throw new NoSuchReleaseException(id, Files.exists(layout.releaseDir(id))
            ? "is not complete (no record of a finished materialization); refusing to switch to it"
            : "does not exist under " + layout.releasesDir() + "; refusing to switch to it");
      }
      Optional<String> previous = current();
      if (previous.isPresent() && previous.get().equals(id)) {
        return;
      }
      if (previous.isPresent()) {
        Durable.writeAtomically(layout.leftFile(previous.get()),
            (clock.instant() + "\n").getBytes(StandardCharsets.UTF_8), layout.metaDir(), false);
      }
      Path temp = layout.root().resolve(ReleaseLayout.TEMP_LINK_PREFIX + ReleaseLayout.randomSuffix());
      Files.createSymbolicLink(temp, layout.currentTarget(id));
      try {
        Files.move(temp, layout.currentLink(), StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(temp);
      }
      Durable.forceDirectory(layout.root());
      log.debug("current: {} -> {}", previous.orElse("(none)"), id);
    }
  }

  /**
   * The id {@code current} points to, or empty if there is no {@code current} yet.
   *
   * @throws IOException if {@code current} exists but is not a link to {@code releases/<id>}
   */
  public Optional<String> current() throws IOException {
    Path link = layout.currentLink();
    Path target;
    try {
      target = Files.readSymbolicLink(link);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (NotLinkException e) {
      throw new IOException(link + " exists but is not a symlink; move it away so wpsync can manage it", e);
    }
    if (!target.isAbsolute() && target.getNameCount() == 2 && target.getName(0).toString().equals("releases")
        && ReleaseLayout.isValidId(target.getName(1).toString())) {
      return Optional.of(target.getName(1).toString());
    }
    throw new IOException(String.format("%s points to '%s', not to releases/<id>", link, target));
  }

  /** The directory of the current release, if any. */
  public Optional<Path> currentDir() throws IOException {
    return current().map(layout::releaseDir);
  }
}
