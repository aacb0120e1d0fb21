package io.wpsync.core.store;

import io.wpsync.core.hash.Digest;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ContentStore} on a local directory.
 *
 * <pre>
 * root/.lock                    held (flock) while a store instance has the root open
 * root/objects/ab/cdef…         complete objects, mode 0444, named by their hex digest after
 *                               the 2-character shard
 * root/tmp/                     temporary files being written; emptied on open
 * root/partial/&lt;hex&gt;          a large object being assembled, preallocated to its size
 * root/partial/&lt;hex&gt;.pieces   its verified-piece bitmap ({@link PieceBitmapFile})
 * </pre>
 *
 * <p>Every write goes: temporary file in {@code tmp/} (same filesystem) → digest verified while
 * writing → fsync → made read-only → {@code link(2)} into {@code objects/} → temporary removed →
 * shard directory fsynced. {@code link} never replaces an existing file, so two threads or
 * processes storing the same object both succeed and the first inode stays (hard links made from it
 * by releases stay valid). A reader therefore sees a complete object or none; a crash leaves at most
 * a temporary file, removed by the next {@link #open}.
 *
 * <p>One instance per root directory at a time (across processes too): {@link #open} takes an
 * exclusive lock on {@code root/.lock} and fails if it is held; {@link #close} releases it.
 * Thread-safe.
 *
 * <pre>{@code
 * try (FileContentStore store = FileContentStore.open(dataDir.resolve("store"))) {
 *   Digest d = store.put("hello".getBytes(UTF_8));
 *   Path file = store.objectPath(d);
 * }
 * }</pre>
 */
public final class FileContentStore implements ContentStore, Closeable {
  private static final Logger log = LoggerFactory.getLogger(FileContentStore.class);
  /** Mode of every stored object. */
  public static final Set<PosixFilePermission> OBJECT_PERMISSIONS = PosixFilePermissions.fromString("r--r--r--");
  private static final Pattern SHARD = Pattern.compile("[0-9a-f]{2}");
  private static final Pattern REST = Pattern.compile("[0-9a-f]{62}");
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");
  private static final String PIECES_SUFFIX = ".pieces";
  private static final int BUFFER_SIZE = 256 * 1024;

  private final Path root;
  private final Path objects;
  private final Path tmp;
  private final Path partial;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final Map<Digest, FilePartialObject> openPartials = new HashMap<>();
  /**
   * Objects known to be complete here, so that {@link #contains} is a memory lookup (a fetch or a
   * proposal asks it for every object of a 20,000-file release). This instance is the only writer
   * of the root (the lock) and objects leave only through {@link #gc}, which forgets each one under
   * the write lock before deleting it; a lookup that stats the disk adds under the read lock.
   */
  private final Set<Digest> present = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final java.util.concurrent.locks.ReadWriteLock presence = new java.util.concurrent.locks.ReentrantReadWriteLock();
  private boolean closed;

  private FileContentStore(Path root, FileChannel lockChannel, FileLock lock) {
    this.root = root;
    this.objects = root.resolve("objects");
    this.tmp = root.resolve("tmp");
    this.partial = root.resolve("partial");
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /**
   * Opens (creating if needed) the store at {@code root}, and removes temporary files a crash left.
   *
   * @throws IOException if another store instance, in this process or another, has the root open
   */
  public static FileContentStore open(Path root) throws IOException {
    Path dir = root.toAbsolutePath().normalize();
    Files.createDirectories(dir);
    FileChannel ch = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    if (lock == null) {
      ch.close();
      throw new IOException("content store " + dir + " is already open (by this or another process)");
    }
    FileContentStore store = new FileContentStore(dir, ch, lock);
    try {
      store.init();
    } catch (IOException | RuntimeException e) {
      store.close();
      throw e;
    }
    return store;
  }

  private void init() throws IOException {
    Files.createDirectories(objects);
    Files.createDirectories(partial);
    Files.createDirectories(tmp);
    int removed = 0;
    try (DirectoryStream<Path> s = Files.newDirectoryStream(tmp)) {
      for (Path p : s) {
        Files.deleteIfExists(p);
        removed++;
      }
    }
    if (removed > 0) {
      log.info("content store {}: removed {} temporary file(s) left by an interrupted write", root, removed);
    }
    Durable.forceDirectory(root);
  }

  @Override
  public Path root() {
    return root;
  }

  Path tmpDir() {
    return tmp;
  }

  private Path objectFile(Digest d) {
    String hex = d.hex();
    return objects.resolve(hex.substring(0, 2)).resolve(hex.substring(2));
  }

  private Path partialFile(Digest d) {
    return partial.resolve(d.hex());
  }

  private Path bitmapFile(Digest d) {
    return partial.resolve(d.hex() + PIECES_SUFFIX);
  }

  @Override
  public boolean contains(Digest digest) {
    if (present.contains(digest)) {
      return true;
    }
    presence.readLock().lock();
    try {
      boolean found = Files.isRegularFile(objectFile(digest), LinkOption.NOFOLLOW_LINKS);
      if (found) {
        present.add(digest);
      }
      return found;
    } finally {
      presence.readLock().unlock();
    }
  }

  @Override
  public Path objectPath(Digest digest) throws NoSuchObjectException {
    Path p = objectFile(digest);
    if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
      throw new NoSuchObjectException(digest);
    }
    return p;
  }

  @Override
  public long size(Digest digest) throws IOException {
    try {
      return Files.size(objectFile(digest));
    } catch (NoSuchFileException e) {
      throw new NoSuchObjectException(digest);
    }
  }

  @Override
  public byte[] read(Digest digest) throws IOException {
    long size = size(digest);
    if (size > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException(
          String.format("object %s has %d bytes: too large to read into memory", digest, size));
    }
    try {
      return Files.readAllBytes(objectFile(digest));
    } catch (NoSuchFileException e) {
      throw new NoSuchObjectException(digest);
    }
  }

  @Override
  public void put(Digest expected, InputStream in) throws IOException {
    Objects.requireNonNull(expected, "expected");
    Objects.requireNonNull(in, "in");
    if (contains(expected)) {
      return;
    }
    Path temp = newTemp(expected);
    try {
      Digest actual = copyHashing(in, temp);
      if (!actual.equals(expected)) {
        throw new DigestMismatchException("object", expected, actual);
      }
      publish(temp, expected);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  @Override
  public Digest put(byte[] bytes) throws IOException {
    Digest d = Digest.of(bytes);
    put(d, ByteBuffer.wrap(bytes));
    return d;
  }

  @Override
  public void put(Digest expected, ByteBuffer bytes) throws IOException {
    Objects.requireNonNull(expected, "expected");
    MessageDigest md = Digest.newSha256();
    md.update(bytes.duplicate());
    Digest actual = Digest.finish(md);
    if (!actual.equals(expected)) {
      throw new DigestMismatchException("object", expected, actual);
    }
    if (contains(expected)) {
      return;
    }
    Path temp = newTemp(expected);
    try {
      try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        Durable.writeFully(ch, bytes.duplicate(), 0);
        ch.force(true);
      }
      publish(temp, expected);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  @Override
  public Digest putFile(Path source, Digest expected) throws IOException {
    if (expected != null && contains(expected)) {
      return expected;
    }
    Path temp = newTemp(expected);
    try {
      Digest actual;
      try (InputStream in = Files.newInputStream(source)) {
        actual = copyHashing(in, temp);
      }
      if (expected != null && !actual.equals(expected)) {
        throw new DigestMismatchException("file " + source, expected, actual);
      }
      publish(temp, actual);
      return actual;
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private Path newTemp(Digest d) throws IOException {
    checkOpen();
    return Files.createTempFile(tmp, d == null ? "put-" : d.shortHex(12) + "-", ".tmp");
  }

  /** Streams {@code in} into {@code temp}, fsyncs it, and returns the digest of what was written. */
  private static Digest copyHashing(InputStream in, Path temp) throws IOException {
    MessageDigest md = Digest.newSha256();
    byte[] buf = new byte[BUFFER_SIZE];
    try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
      long pos = 0;
      int n;
      while ((n = in.read(buf)) != -1) {
        md.update(buf, 0, n);
        Durable.writeFully(ch, ByteBuffer.wrap(buf, 0, n), pos);
        pos += n;
      }
      ch.force(true);
    }
    return Digest.finish(md);
  }

  /**
   * Moves a verified, fsynced file into {@code objects/} under {@code digest}: made read-only, then
   * hard-linked into place (never replacing an existing object), then the source name removed. If
   * the filesystem cannot hard-link, falls back to an atomic rename (which may replace an identical
   * object).
   */
  void publish(Path verified, Digest digest) throws IOException {
    Files.setPosixFilePermissions(verified, OBJECT_PERMISSIONS);
    Path target = objectFile(digest);
    Path shard = target.getParent();
    if (!Files.isDirectory(shard)) {
      Files.createDirectories(shard);
      Durable.forceDirectory(objects);
    }
    try {
      Files.createLink(target, verified);
      Files.delete(verified);
    } catch (FileAlreadyExistsException e) {
      Files.delete(verified); // stored meanwhile by another writer, verified like this one
    } catch (UnsupportedOperationException | FileSystemException e) {
      if (e instanceof NoSuchFileException) {
        throw (NoSuchFileException) e;
      }
      Files.move(verified, target, StandardCopyOption.ATOMIC_MOVE);
    }
    Durable.forceDirectory(shard); // the removed temporary name need not be durable: open() cleans tmp/
  }

  @Override
  public PartialObject openPartial(Digest digest, long size, int pieceSize, List<Digest> pieceDigests)
      throws IOException {
    PieceLayout layout = PieceLayout.of(digest, size, pieceSize, pieceDigests);
    synchronized (this) {
      checkOpen();
      FilePartialObject state = openPartials.get(digest);
      if (state != null && !state.layout().equals(layout)) {
        throw new IllegalArgumentException(String.format(
            "object %s is already being assembled as %d bytes in %d-byte pieces; asked for %d bytes in %d-byte pieces",
            digest, state.layout().size(), state.layout().pieceSize(), size, pieceSize));
      }
      if (state == null) {
        state = contains(digest)
            ? FilePartialObject.alreadyComplete(this, layout, partialFile(digest), bitmapFile(digest))
            : FilePartialObject.openOrResume(this, layout, partialFile(digest), bitmapFile(digest));
        openPartials.put(digest, state);
      }
      return state.newHandle();
    }
  }

  synchronized void releasePartial(FilePartialObject state) throws IOException {
    if (state.release()) {
      openPartials.remove(state.layout().digest(), state);
    }
  }

  @Override
  public Optional<PieceLocation> locatePiece(Digest digest, int pieceSize, int index) throws IOException {
    if (pieceSize <= 0 || index < 0) {
      throw new IllegalArgumentException(String.format(
          "piece %d of %s in %d-byte pieces: index must be >= 0 and piece size > 0", index, digest, pieceSize));
    }
    Path file = objectFile(digest);
    try {
      long size = Files.size(file);
      if (index >= PieceLayout.pieceCount(size, pieceSize)) {
        return Optional.empty();
      }
      return Optional.of(new PieceLocation(file, (long) index * pieceSize,
          PieceLayout.pieceLength(size, pieceSize, index)));
    } catch (NoSuchFileException e) {
      // not complete: look for a verified piece of a partial
    }
    FilePartialObject state;
    synchronized (this) {
      state = openPartials.get(digest);
    }
    if (state != null) {
      return state.locate(pieceSize, index);
    }
    Optional<PieceBitmapFile.Snapshot> snap = PieceBitmapFile.read(bitmapFile(digest));
    if (snap.isEmpty()) {
      return Optional.empty();
    }
    PieceBitmapFile.Snapshot s = snap.get();
    Path data = partialFile(digest);
    if (s.pieceSize() != pieceSize || index >= s.pieceCount() || !s.bits().get(index)
        || !s.digest().equals(digest) || !Files.isRegularFile(data, LinkOption.NOFOLLOW_LINKS)
        || Files.size(data) != s.size()) {
      return Optional.empty();
    }
    return Optional.of(new PieceLocation(data, (long) index * pieceSize,
        PieceLayout.pieceLength(s.size(), pieceSize, index)));
  }

  @Override
  public Set<Digest> list() throws IOException {
    Set<Digest> out = new HashSet<>();
    try (DirectoryStream<Path> shards = Files.newDirectoryStream(objects)) {
      for (Path shard : shards) {
        String prefix = shard.getFileName().toString();
        if (!SHARD.matcher(prefix).matches() || !Files.isDirectory(shard, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(shard)) {
          for (Path f : files) {
            String rest = f.getFileName().toString();
            if (REST.matcher(rest).matches()) {
              out.add(Digest.parse(prefix + rest));
            }
          }
        }
      }
    }
    return out;
  }

  /**
   * Removes complete objects not in {@code keep}, and partial objects not in {@code keep} that no
   * handle has open. The caller must include objects it is about to use (a release being
   * materialized, a download in progress) in {@code keep}. Releases hard-linked to a removed object
   * keep their file: removing the store's name does not touch the shared inode.
   */
  @Override
  public synchronized GcResult gc(Set<Digest> keep) throws IOException {
    checkOpen();
    int objectsRemoved = 0;
    int partialsRemoved = 0;
    long bytes = 0;
    for (Digest d : list()) {
      if (!keep.contains(d)) {
        long size;
        presence.writeLock().lock();
        try {
          present.remove(d);
          size = deleteCounting(objectFile(d));
        } finally {
          presence.writeLock().unlock();
        }
        if (size >= 0) {
          objectsRemoved++;
          bytes += size;
        }
      }
    }
    List<Path> partialFiles = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(partial)) {
      s.forEach(partialFiles::add);
    }
    for (Path p : partialFiles) {
      String name = p.getFileName().toString();
      String hex = name.endsWith(PIECES_SUFFIX) ? name.substring(0, name.length() - PIECES_SUFFIX.length()) : name;
      if (!HEX.matcher(hex).matches()) {
        continue; // not ours: leave it
      }
      Digest d = Digest.parse(hex);
      if (keep.contains(d) || openPartials.containsKey(d)) {
        continue;
      }
      long size = deleteCounting(p);
      if (size >= 0 && !name.endsWith(PIECES_SUFFIX)) {
        partialsRemoved++;
        bytes += size;
      }
    }
    if (objectsRemoved + partialsRemoved > 0) {
      log.info("content store {}: gc removed {} object(s) and {} partial object(s), {} bytes",
          root, objectsRemoved, partialsRemoved, bytes);
    }
    return new GcResult(objectsRemoved, partialsRemoved, bytes);
  }

  /** Deletes a file and returns its size, or -1 if it was already gone. */
  private static long deleteCounting(Path p) throws IOException {
    try {
      long size = Files.size(p);
      Files.delete(p);
      return size;
    } catch (NoSuchFileException e) {
      return -1;
    }
  }

  private synchronized void checkOpen() {
    if (closed) {
      throw new IllegalStateException("content store " + root + " is closed");
    }
  }

  /** Closes every partial object's file and releases the root's lock. Idempotent. */
  @Override
  public synchronized void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      for (FilePartialObject p : openPartials.values()) {
        p.closeChannel();
      }
      openPartials.clear();
    } finally {
      try {
        lock.release();
      } finally {
        lockChannel.close();
      }
    }
  }

  @Override
  public String toString() {
    return "FileContentStore[" + root + "]";
  }
}
