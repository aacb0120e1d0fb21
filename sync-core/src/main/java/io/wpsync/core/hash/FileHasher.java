package io.wpsync.core.hash;

import io.wpsync.core.manifest.Manifest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Hashes a file in one sequential read: the whole-file SHA-256 and, when the file is longer than
 * the piece size, the SHA-256 of each piece, both fed from the same buffer.
 *
 * <p>Thread-safe: each thread reuses its own read buffer and digests, so a pool of hashing
 * threads allocates nothing per file. Symlinks are never followed ({@code O_NOFOLLOW}). The
 * counters ({@link #filesHashed()}, {@link #bytesHashed()}) count every byte actually read, so a
 * caller can prove a scan read no content.
 *
 * <pre>{@code
 * FileHasher hasher = new FileHasher(Manifest.DEFAULT_PIECE_SIZE);
 * FileDigests d = hasher.hash(path);
 * }</pre>
 */
public final class FileHasher {
  /** Default read size: large enough to amortize syscalls, small enough to stay in L2/L3. */
  public static final int DEFAULT_BUFFER_SIZE = 512 * 1024;

  /** Called after every buffer read; a test seam (e.g. to modify a file mid-hash) and progress hook. */
  @FunctionalInterface
  public interface ReadListener {
    /** {@code bytesSoFar} bytes of {@code file} have been read and hashed. */
    void afterRead(Path file, long bytesSoFar) throws IOException;
  }

  private static final ReadListener NO_LISTENER = (file, bytes) -> { };

  /*
   * Design: piece 0 and the whole file share a prefix, so piece 0 is never hashed twice: when the
   * read crosses the first piece boundary the whole-file digest is cloned and finished. Only
   * pieces 1..n need a second digest. A file no longer than one piece costs one digest.
   */

  private final int pieceSize;
  private final int bufferSize;
  private final ReadListener listener;
  private final ThreadLocal<Worker> workers;
  private final LongAdder files = new LongAdder();
  private final LongAdder bytes = new LongAdder();

  /** A hasher with the default buffer size and no listener. */
  public FileHasher(int pieceSize) {
    this(pieceSize, DEFAULT_BUFFER_SIZE, NO_LISTENER);
  }

  public FileHasher(int pieceSize, int bufferSize, ReadListener listener) {
    if (pieceSize < Manifest.MIN_PIECE_SIZE || pieceSize > Manifest.MAX_PIECE_SIZE) {
      throw new IllegalArgumentException(String.format(
          "piece size %d outside [%d, %d]", pieceSize, Manifest.MIN_PIECE_SIZE, Manifest.MAX_PIECE_SIZE));
    }
    if (bufferSize < 4096 || bufferSize > 64 * 1024 * 1024) {
      throw new IllegalArgumentException("buffer size " + bufferSize + " outside [4096, 64 MiB]");
    }
    this.pieceSize = pieceSize;
    this.bufferSize = bufferSize;
    this.listener = listener == null ? NO_LISTENER : listener;
    this.workers = ThreadLocal.withInitial(() -> new Worker(bufferSize));
  }

  public int pieceSize() {
    return pieceSize;
  }

  public int bufferSize() {
    return bufferSize;
  }

  /** Files hashed so far (each attempt counts). */
  public long filesHashed() {
    return files.sum();
  }

  /** Content bytes read and hashed so far. */
  public long bytesHashed() {
    return bytes.sum();
  }

  /**
   * Reads {@code file} once, to its end, without following a symlink.
   *
   * @throws IOException if it cannot be opened or read (a symlink fails with {@code ELOOP})
   */
  public FileDigests hash(Path file) throws IOException {
    Worker w = workers.get();
    files.increment();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      return w.hash(file, ch);
    }
  }

  /** Per-thread state: one heap buffer (its array feeds the digest intrinsics directly), two digests. */
  private final class Worker {
    private final ByteBuffer buffer;
    private final MessageDigest whole = Digest.newSha256();
    private final MessageDigest piece = Digest.newSha256();

    Worker(int size) {
      buffer = ByteBuffer.allocate(size);
    }

    FileDigests hash(Path file, FileChannel ch) throws IOException {
      whole.reset();
      piece.reset();
      byte[] array = buffer.array();
      long total = 0;
      int fill = 0; // bytes in the current piece
      int index = 0; // current piece number
      List<Digest> pieces = new ArrayList<>();
      int n;
      while ((n = ch.read(buffer.clear())) >= 0) {
        if (n == 0) {
          continue;
        }
        int off = 0;
        while (off < n) {
          int take = Math.min(n - off, pieceSize - fill);
          whole.update(array, off, take);
          if (index > 0) {
            piece.update(array, off, take);
          }
          off += take;
          fill += take;
          if (fill == pieceSize) {
            pieces.add(index == 0 ? finishClone(whole) : Digest.finish(piece));
            index++;
            fill = 0;
          }
        }
        total += n;
        bytes.add(n);
        listener.afterRead(file, total);
      }
      Digest digest = Digest.finish(whole);
      if (total <= pieceSize) {
        return new FileDigests(total, digest, List.of());
      }
      if (fill > 0) {
        pieces.add(Digest.finish(piece));
      }
      return new FileDigests(total, digest, pieces);
    }
  }

  private static Digest finishClone(MessageDigest md) {
    try {
      return Digest.finish((MessageDigest) md.clone());
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("the JDK's SHA-256 cannot be cloned", e);
    }
  }
}
