package io.wpsync.core.release;

import io.wpsync.core.store.Durable;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where releases live under an agent's release root, and the release-id rules.
 *
 * <pre>
 * ROOT/current                  symlink, RELATIVE target "releases/&lt;id&gt;" (resolves wherever a
 *                               container mounts ROOT); replaced atomically by {@link ReleaseSwitch}
 * ROOT/releases/&lt;id&gt;/           a complete release (a wp-content tree)
 * ROOT/releases/.meta/&lt;id&gt;.release  its {@link ReleaseRecord}, written before the directory appears
 * ROOT/releases/.meta/&lt;id&gt;.left     when {@code current} last moved away from it (for the grace period)
 * ROOT/releases/.staging-&lt;id&gt;-&lt;random&gt;/   a release being built (never a valid id: starts with '.')
 * ROOT/releases/.deleting-&lt;id&gt;-&lt;random&gt;/  a release being removed
 * ROOT/.current-&lt;random&gt;        the new link during a switch
 * </pre>
 *
 * A release id matches {@code [A-Za-z0-9][A-Za-z0-9._-]{0,127}}, so it can never name a staging,
 * deleting or metadata entry.
 */
public final class ReleaseLayout {
  private static final Logger log = LoggerFactory.getLogger(ReleaseLayout.class);
  /** Valid release ids. */
  public static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  static final String STAGING_PREFIX = ".staging-";
  static final String DELETING_PREFIX = ".deleting-";
  static final String TEMP_LINK_PREFIX = ".current-";

  private final Path root;

  public ReleaseLayout(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  /**
   * Returns {@code id} if it is a valid release id.
   *
   * @throws IllegalArgumentException otherwise, saying which rule it breaks
   */
  public static String checkId(String id) {
    Objects.requireNonNull(id, "release id");
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException(String.format(
          "release id '%s' must match %s (1-128 characters, starting with a letter or digit)",
          printable(id), ID.pattern()));
    }
    return id;
  }

  public static boolean isValidId(String id) {
    return id != null && ID.matcher(id).matches();
  }

  private static String printable(String s) {
    String cut = s.length() > 140 ? s.substring(0, 140) + "…" : s;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }

  public Path root() {
    return root;
  }

  /** {@code ROOT/current}. */
  public Path currentLink() {
    return root.resolve("current");
  }

  public Path releasesDir() {
    return root.resolve("releases");
  }

  public Path releaseDir(String id) {
    return releasesDir().resolve(checkId(id));
  }

  /** The relative target {@code current} has when {@code id} is current: {@code releases/<id>}. */
  public Path currentTarget(String id) {
    return Path.of("releases", checkId(id));
  }

  Path metaDir() {
    return releasesDir().resolve(".meta");
  }

  Path recordFile(String id) {
    return metaDir().resolve(checkId(id) + ".release");
  }

  Path leftFile(String id) {
    return metaDir().resolve(checkId(id) + ".left");
  }

  static String randomSuffix() {
    return Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
  }

  /** Creates {@code ROOT/releases/.meta} if missing. */
  public void create() throws IOException {
    if (!Files.isDirectory(metaDir())) {
      Files.createDirectories(metaDir());
      Durable.forceDirectory(releasesDir());
      Durable.forceDirectory(root);
    }
  }

  /** Ids of every release directory (complete or not), unordered. */
  public List<String> releaseIds() throws IOException {
    List<String> out = new ArrayList<>();
    if (!Files.isDirectory(releasesDir())) {
      return out;
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(releasesDir())) {
      for (Path p : s) {
        String name = p.getFileName().toString();
        if (isValidId(name) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          out.add(name);
        }
      }
    }
    return out;
  }

  /** True if {@code releases/<id>} is a directory (not a link) with a record: a finished release. */
  public boolean isComplete(String id) throws IOException {
    return Files.isDirectory(releaseDir(id), LinkOption.NOFOLLOW_LINKS) && record(id).isPresent();
  }

  /** The record of a release, if it has one. */
  public Optional<ReleaseRecord> record(String id) throws IOException {
    try {
      return Optional.of(ReleaseRecord.decode(id, Files.readAllBytes(recordFile(id))));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /** When {@code current} last moved away from {@code id}, if it ever did (and the note survived). */
  public Optional<Instant> leftAt(String id) throws IOException {
    try {
      return Optional.of(Instant.parse(Files.readString(leftFile(id)).trim()));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (DateTimeParseException e) {
      log.warn("{}: unreadable, ignored: {}", leftFile(id), e.getMessage());
      return Optional.empty();
    }
  }

  /**
   * Removes what interrupted work left: staging and half-deleted release directories, the
   * temporary link of an interrupted switch, temporary metadata files, and records whose release
   * directory is gone. Call once at startup, before any materialization or switch runs.
   *
   * @return how many leftovers were removed
   */
  public int removeLeftovers() throws IOException {
    int removed = 0;
    if (Files.isDirectory(releasesDir())) {
      try (DirectoryStream<Path> s = Files.newDirectoryStream(releasesDir())) {
        for (Path p : s) {
          String name = p.getFileName().toString();
          if (name.startsWith(STAGING_PREFIX) || name.startsWith(DELETING_PREFIX)) {
            Trees.deleteTree(p);
            removed++;
          }
        }
      }
    }
    if (Files.isDirectory(metaDir())) {
      try (DirectoryStream<Path> s = Files.newDirectoryStream(metaDir())) {
        for (Path p : s) {
          String name = p.getFileName().toString();
          String id = name.endsWith(".release") ? name.substring(0, name.length() - 8)
              : name.endsWith(".left") ? name.substring(0, name.length() - 5) : null;
          boolean orphan = id != null && isValidId(id) && !Files.isDirectory(releasesDir().resolve(id));
          if (name.startsWith(".") || orphan) {
            Files.deleteIfExists(p);
            removed++;
          }
        }
      }
    }
    if (Files.isDirectory(root)) {
      try (DirectoryStream<Path> s = Files.newDirectoryStream(root, TEMP_LINK_PREFIX + "*")) {
        for (Path p : s) {
          Files.deleteIfExists(p);
          removed++;
        }
      }
    }
    if (removed > 0) {
      log.info("release root {}: removed {} leftover(s) of interrupted work", root, removed);
    }
    return removed;
  }

  @Override
  public String toString() {
    return "ReleaseLayout[" + root + "]";
  }
}
