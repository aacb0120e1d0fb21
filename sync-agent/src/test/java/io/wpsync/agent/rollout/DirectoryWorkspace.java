package io.wpsync.agent.rollout;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A {@link ReleaseWorkspace} on real directories for protocol tests: "fetching" copies {@code
 * origin/<release>/} into {@code root/releases/<release>}, the switch renames a symlink over
 * {@code root/current}. Tests can make staging fail ({@link #failStaging}) or hang ({@link
 * #holdStaging}) for a release.
 */
final class DirectoryWorkspace implements ReleaseWorkspace {
  private final Path root;
  private final Path origin;
  final Set<String> failStaging = ConcurrentHashMap.newKeySet();
  final Set<String> discarded = ConcurrentHashMap.newKeySet();
  volatile CountDownLatch holdStaging;
  volatile CountDownLatch stagingEntered = new CountDownLatch(1);

  DirectoryWorkspace(Path root, Path origin) throws IOException {
    this.root = root;
    this.origin = origin;
    Files.createDirectories(root.resolve("releases"));
  }

  @Override
  public String current() throws IOException {
    Path link = root.resolve("current");
    return Files.isSymbolicLink(link) ? Files.readSymbolicLink(link).getFileName().toString() : null;
  }

  @Override
  public boolean isStaged(String releaseId) {
    return Files.isDirectory(root.resolve("releases").resolve(releaseId));
  }

  @Override
  public void stage(String releaseId, String manifestId, long deadlineMillis, FetchProgress progress)
      throws StageException, InterruptedException {
    stagingEntered.countDown();
    CountDownLatch hold = holdStaging;
    if (hold != null && !hold.await(Math.max(1, deadlineMillis - System.currentTimeMillis()), TimeUnit.MILLISECONDS)) {
      throw new StageException(StageException.Cause.FETCH_TIMEOUT, "held by the test");
    }
    if (failStaging.contains(releaseId)) {
      throw new StageException(StageException.Cause.DISK_FULL, "no space left on device writing " + releaseId);
    }
    if (isStaged(releaseId)) {
      return;
    }
    Path src = origin.resolve(releaseId);
    if (!Files.isDirectory(src)) {
      throw new StageException(StageException.Cause.UNKNOWN_RELEASE, "origin has no " + releaseId);
    }
    Path tmp = root.resolve("releases").resolve("." + releaseId + ".tmp");
    try {
      deleteTree(tmp);
      Files.createDirectories(tmp);
      try (Stream<Path> files = Files.list(src)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          Files.copy(f, tmp.resolve(f.getFileName()));
          progress.addPiece(Files.size(f));
        }
      }
      Files.move(tmp, root.resolve("releases").resolve(releaseId), StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new StageException(StageException.Cause.IO, e.toString(), e);
    }
  }

  @Override
  public long switchTo(String releaseId) throws IOException {
    Path tmp = root.resolve(".current.tmp");
    Files.deleteIfExists(tmp);
    Files.createSymbolicLink(tmp, Path.of("releases", releaseId));
    Files.move(tmp, root.resolve("current"), StandardCopyOption.ATOMIC_MOVE);
    return System.currentTimeMillis();
  }

  @Override
  public void discard(String releaseId) throws IOException {
    if (releaseId.equals(current())) {
      throw new IllegalStateException("cannot discard current " + releaseId);
    }
    discarded.add(releaseId);
    deleteTree(root.resolve("releases").resolve(releaseId));
  }

  @Override
  public void cleanUp(Set<String> pinned) {}

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(x);
      }
    }
  }

  static void writeRelease(Path origin, String releaseId, String a, String b) throws IOException {
    Path dir = origin.resolve(releaseId);
    try {
      Files.createDirectories(dir);
    } catch (FileAlreadyExistsException ignored) {
      // fine
    }
    Files.writeString(dir.resolve("a.txt"), a);
    Files.writeString(dir.resolve("b.txt"), b);
  }
}
