package io.wpsync.core.release;

import io.wpsync.core.hash.Digest;
import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.manifest.ManifestEntry;
import io.wpsync.core.store.ContentStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Checks that a release directory is exactly what its manifest describes: every entry with its
 * type, mode (as the release's {@link ReleaseMode} applies it), size, content and symlink target;
 * the linked paths of its record; and nothing else.
 *
 * <p>File content is accepted by identity when the file is the store object's own inode (a READ_ONLY
 * hard link to a stored object, which was verified when stored), and hashed otherwise; {@code
 * rehashAll} hashes every file. Symlink targets are compared as paths (Java normalizes redundant
 * slashes when it creates a link).
 */
public final class ReleaseVerifier {
  /** At most this many problems are listed. */
  public static final int MAX_PROBLEMS = 1000;
  private final ReleaseLayout layout;
  private final ContentStore store;

  public ReleaseVerifier(ReleaseLayout layout, ContentStore store) {
    this.layout = Objects.requireNonNull(layout, "layout");
    this.store = Objects.requireNonNull(store, "store");
  }

  /** The outcome: no problems means the release matches. */
  public record Verification(String id, List<String> problems) {
    public Verification {
      problems = List.copyOf(problems);
    }

    public boolean ok() {
      return problems.isEmpty();
    }
  }

  /** Verifies by identity where possible. */
  public Verification verify(String id, Manifest manifest) throws IOException {
    return verify(id, manifest, false);
  }

  public Verification verify(String id, Manifest manifest, boolean rehashAll) throws IOException {
    ReleaseLayout.checkId(id);
    Problems problems = new Problems();
    Path dir = layout.releaseDir(id);
    Optional<ReleaseRecord> record = layout.record(id);
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) || record.isEmpty()) {
      problems.add("release directory " + dir + (record.isEmpty() ? " has no record (incomplete)" : " is missing"));
      return new Verification(id, problems.list);
    }
    ReleaseRecord r = record.get();
    if (!r.manifestId().equals(manifest.id())) {
      problems.add("record says manifest " + r.manifestId() + ", verifying against " + manifest.id());
    }
    ReleaseMode mode = r.mode();
    checkMode(problems, ".", attributes(dir).orElseThrow(), mode.rootMode());
    for (ManifestEntry e : manifest.entries()) {
      checkEntry(problems, dir, e, mode, rehashAll);
    }
    for (Map.Entry<String, Path> link : r.linkedPaths().entrySet()) {
      Path p = dir.resolve(link.getKey());
      if (!Files.isSymbolicLink(p)) {
        problems.add(link.getKey() + ": linked path is not a symlink");
      } else if (!Files.readSymbolicLink(p).equals(link.getValue())) {
        problems.add(link.getKey() + ": linked path points to " + Files.readSymbolicLink(p) + ", expected " + link.getValue());
      }
    }
    findExtras(problems, dir, manifest, r);
    return new Verification(id, problems.list);
  }

  private void checkEntry(Problems problems, Path dir, ManifestEntry e, ReleaseMode mode, boolean rehashAll)
      throws IOException {
    Path p = dir.resolve(e.path());
    Optional<PosixFileAttributes> found = attributes(p);
    if (found.isEmpty()) {
      problems.add(e.path() + ": missing");
      return;
    }
    PosixFileAttributes a = found.get();
    switch (e.type()) {
      case DIRECTORY -> {
        if (!a.isDirectory()) {
          problems.add(e.path() + ": expected a directory, found " + kind(a));
        } else {
          checkMode(problems, e.path(), a, mode.directoryMode(e.mode()));
        }
      }
      case SYMLINK -> {
        if (!a.isSymbolicLink()) {
          problems.add(e.path() + ": expected a symlink, found " + kind(a));
        } else if (!Files.readSymbolicLink(p).equals(Path.of(e.target()))) {
          problems.add(e.path() + ": symlink points to '" + Files.readSymbolicLink(p) + "', expected '" + e.target() + "'");
        }
      }
      case FILE -> {
        if (!a.isRegularFile()) {
          problems.add(e.path() + ": expected a file, found " + kind(a));
          return;
        }
        checkMode(problems, e.path(), a, mode.fileMode(e.mode()));
        if (a.size() != e.size()) {
          problems.add(String.format("%s: %d bytes, expected %d", e.path(), a.size(), e.size()));
          return;
        }
        if (rehashAll || !isStoreObject(e.digest(), a)) {
          Digest actual = hash(p);
          if (!actual.equals(e.digest())) {
            problems.add(String.format("verify %s %s: got %s", e.path(), e.digest(), actual));
          }
        }
      }
    }
  }

  private boolean isStoreObject(Digest digest, PosixFileAttributes a) throws IOException {
    if (a.fileKey() == null || !store.contains(digest)) {
      return false;
    }
    try {
      Object key = Files.readAttributes(store.objectPath(digest), BasicFileAttributes.class).fileKey();
      return a.fileKey().equals(key);
    } catch (NoSuchFileException e) {
      return false;
    }
  }

  private void findExtras(Problems problems, Path dir, Manifest manifest, ReleaseRecord r) throws IOException {
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
        if (d.equals(dir)) {
          return FileVisitResult.CONTINUE;
        }
        return expected(d) ? FileVisitResult.CONTINUE : FileVisitResult.SKIP_SUBTREE;
      }

      @Override
      public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
        expected(f);
        return FileVisitResult.CONTINUE;
      }

      private boolean expected(Path p) {
        String rel = relative(dir, p);
        if (manifest.entry(rel).isEmpty() && !r.linkedPaths().containsKey(rel)) {
          problems.add(rel + ": not in the manifest");
          return false;
        }
        return true;
      }
    });
  }

  private static String relative(Path dir, Path p) {
    Path rel = dir.relativize(p);
    StringBuilder b = new StringBuilder();
    for (Path part : rel) {
      if (b.length() > 0) {
        b.append('/');
      }
      b.append(part);
    }
    return b.toString();
  }

  private static Optional<PosixFileAttributes> attributes(Path p) throws IOException {
    try {
      return Optional.of(Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  private static void checkMode(Problems problems, String path, PosixFileAttributes a, int expected) {
    int actual = Modes.mode(a.permissions());
    if (actual != expected) {
      problems.add(String.format("%s: mode %s, expected %s", path, Modes.octal(actual), Modes.octal(expected)));
    }
  }

  private static String kind(BasicFileAttributes a) {
    return a.isDirectory() ? "a directory" : a.isSymbolicLink() ? "a symlink" : a.isRegularFile() ? "a file" : "a special file";
  }

  private static Digest hash(Path p) throws IOException {
    MessageDigest md = Digest.newSha256();
    byte[] buf = new byte[256 * 1024];
    try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
      int n;
      while ((n = in.read(buf)) != -1) {
        md.update(buf, 0, n);
      }
    }
    return Digest.finish(md);
  }

  private static final class Problems {
    final List<String> list = new ArrayList<>();

    void add(String problem) {
      if (list.size() < MAX_PROBLEMS) {
        list.add(problem);
      } else if (list.size() == MAX_PROBLEMS) {
        list.add("(more problems not listed)");
      }
    }
  }
}
