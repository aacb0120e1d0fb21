package io.wpsync.faults.peer;

import io.wpsync.core.hash.Digest;
import io.wpsync.core.store.ContentStore;
import io.wpsync.core.store.PartialObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real content store seen through a fault, for the real {@code PeerServer} of a bad peer: every
 * method delegates, except {@link #locatePiece}, which either hands out a corrupted copy of the
 * piece (one byte flipped, same length: the receiver can only tell by hashing it) or, after {@code
 * stallAfter} pieces of file objects were served, blocks the serving thread, as a hung disk or
 * process would, until {@link #release()} (bounded at 10 minutes).
 */
final class MisbehavingStore implements ContentStore {
  enum Mode { CORRUPT, STALL }

  private final ContentStore real;
  private final Mode mode;
  private final int stallAfter;
  private final Digest manifestId;
  private final Path scratch;
  private final AtomicInteger served = new AtomicInteger();
  private final AtomicInteger corrupted = new AtomicInteger();
  private final CountDownLatch released = new CountDownLatch(1);

  MisbehavingStore(ContentStore real, Mode mode, int stallAfter, Digest manifestId, Path scratch) throws IOException {
    this.real = real;
    this.mode = mode;
    this.stallAfter = stallAfter;
    this.manifestId = manifestId;
    this.scratch = Files.createDirectories(scratch);
  }

  int corruptedCount() {
    return corrupted.get();
  }

  int servedCount() {
    return served.get();
  }

  /** Lets stalled threads go (at shutdown). */
  void release() {
    released.countDown();
  }

  @Override
  public Optional<PieceLocation> locatePiece(Digest digest, int pieceSize, int index) throws IOException {
    Optional<PieceLocation> loc = real.locatePiece(digest, pieceSize, index);
    if (loc.isEmpty()) {
      return loc;
    }
    if (mode == Mode.STALL) {
      if (!digest.equals(manifestId) && served.incrementAndGet() > stallAfter) {
        System.err.println("bad peer: stalling on piece " + index + " of " + digest.shortHex(12));
        try {
          released.await(10, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return loc;
    }
    PieceLocation p = loc.get();
    byte[] data = new byte[p.length()];
    try (RandomAccessFile f = new RandomAccessFile(p.file().toFile(), "r")) {
      f.seek(p.offset());
      f.readFully(data);
    }
    data[data.length / 2] ^= 0x5a;
    Path copy = scratch.resolve(digest.hex() + "-" + pieceSize + "-" + index);
    Files.write(copy, data);
    corrupted.incrementAndGet();
    served.incrementAndGet();
    return Optional.of(new PieceLocation(copy, 0, data.length));
  }

  @Override
  public Path root() {
    return real.root();
  }

  @Override
  public boolean contains(Digest digest) {
    return real.contains(digest);
  }

  @Override
  public Path objectPath(Digest digest) throws io.wpsync.core.store.NoSuchObjectException {
    return real.objectPath(digest);
  }

  @Override
  public long size(Digest digest) throws IOException {
    return real.size(digest);
  }

  @Override
  public byte[] read(Digest digest) throws IOException {
    return real.read(digest);
  }

  @Override
  public void put(Digest expected, InputStream in) throws IOException {
    real.put(expected, in);
  }

  @Override
  public Digest put(byte[] bytes) throws IOException {
    return real.put(bytes);
  }

  @Override
  public void put(Digest expected, ByteBuffer bytes) throws IOException {
    real.put(expected, bytes);
  }

  @Override
  public Digest putFile(Path source, Digest expected) throws IOException {
    return real.putFile(source, expected);
  }

  @Override
  public PartialObject openPartial(Digest digest, long size, int pieceSize, List<Digest> pieceDigests)
      throws IOException {
    return real.openPartial(digest, size, pieceSize, pieceDigests);
  }

  @Override
  public Set<Digest> list() throws IOException {
    return real.list();
  }

  @Override
  public GcResult gc(Set<Digest> keep) throws IOException {
    return real.gc(keep);
  }
}
