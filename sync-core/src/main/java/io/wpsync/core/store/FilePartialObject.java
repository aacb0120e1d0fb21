package io.wpsync.core.store;

import io.wpsync.core.hash.Digest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.BitSet;
import java.util.Optional;

/**
 * The shared state of one partial object in a {@link FileContentStore}: its preallocated data file
 * {@code partial/<hex>} and its bitmap {@code partial/<hex>.pieces}. Every {@code openPartial} of
 * the same digest gets its own {@link Handle} on this one state, so concurrent writers share one
 * bitmap; the data file is closed when the last handle closes.
 *
 * <p>Design: piece data is written with positional writes (safe from many threads) and fsynced
 * before the piece's bit is persisted; bitmap updates are serialized by {@link #lock} so a newer
 * bitmap is never overwritten by an older one. Invariant on disk: a bit set in the bitmap file
 * means that piece's verified bytes are durable in the data file of the recorded size.
 */
final class FilePartialObject {
  private final FileContentStore store;
  private final PieceLayout layout;
  private final Digest piecesHash;
  private final Path dataFile;
  private final Path bitmapFile;
  private final Object lock = new Object();
  private FileChannel channel; // null once completed
  private BitSet bits;
  private boolean completed;
  private int handles;

  private FilePartialObject(FileContentStore store, PieceLayout layout, Path dataFile, Path bitmapFile,
      FileChannel channel, BitSet bits, boolean completed) {
    this.store = store;
    this.layout = layout;
    this.piecesHash = layout.piecesHash();
    this.dataFile = dataFile;
    this.bitmapFile = bitmapFile;
    this.channel = channel;
    this.bits = bits;
    this.completed = completed;
  }

  /** A view of an object that is already complete in the store: every piece present. */
  static FilePartialObject alreadyComplete(FileContentStore store, PieceLayout layout, Path dataFile,
      Path bitmapFile) {
    BitSet all = new BitSet();
    all.set(0, layout.pieceCount());
    return new FilePartialObject(store, layout, dataFile, bitmapFile, null, all, true);
  }

  /**
   * Resumes from the persisted bitmap if the data file exists with the right size and the bitmap
   * was written for this exact layout; otherwise starts over with an empty, preallocated file.
   */
  static FilePartialObject openOrResume(FileContentStore store, PieceLayout layout, Path dataFile,
      Path bitmapFile) throws IOException {
    BitSet bits = null;
    if (Files.isRegularFile(dataFile, LinkOption.NOFOLLOW_LINKS) && Files.size(dataFile) == layout.size()) {
      Optional<PieceBitmapFile.Snapshot> s = PieceBitmapFile.read(bitmapFile);
      if (s.isPresent() && s.get().matches(layout)) {
        bits = s.get().bits();
      }
    }
    FileChannel ch = FileChannel.open(dataFile,
        StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      FilePartialObject p = new FilePartialObject(store, layout, dataFile, bitmapFile, ch,
          bits == null ? new BitSet() : bits, false);
      if (bits == null) {
        p.reset();
      }
      return p;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /** Empties the data file to a sparse file of the object's size and persists an empty bitmap. */
  private void reset() throws IOException {
    synchronized (lock) {
      channel.truncate(0);
      if (layout.size() > 0) {
        Durable.writeFully(channel, ByteBuffer.allocate(1), layout.size() - 1);
      }
      channel.force(true);
      bits = new BitSet();
      PieceBitmapFile.write(bitmapFile, store.tmpDir(), layout, piecesHash, bits);
    }
  }

  PieceLayout layout() {
    return layout;
  }

  Handle newHandle() {
    synchronized (lock) {
      handles++;
      return new Handle();
    }
  }

  /** Drops one handle; returns true when it was the last one (the caller forgets this state). */
  boolean release() throws IOException {
    synchronized (lock) {
      if (--handles > 0) {
        return false;
      }
      closeChannel();
      return true;
    }
  }

  void closeChannel() throws IOException {
    synchronized (lock) {
      if (channel != null) {
        channel.close();
        channel = null;
      }
    }
  }

  boolean hasPiece(int index) {
    layout.checkIndex(index);
    synchronized (lock) {
      return bits.get(index);
    }
  }

  /** Where a verified piece of this partial can be read, if it is held. */
  Optional<ContentStore.PieceLocation> locate(int pieceSize, int index) {
    synchronized (lock) {
      if (completed || pieceSize != layout.pieceSize() || index >= layout.pieceCount() || !bits.get(index)) {
        return Optional.empty(); // once complete, the store's object file answers
      }
      return Optional.of(new ContentStore.PieceLocation(dataFile, layout.offset(index), layout.pieceLength(index)));
    }
  }

  void writePiece(int index, ByteBuffer data) throws IOException {
    int length = layout.pieceLength(index);
    if (data.remaining() != length) {
      throw new IllegalArgumentException(String.format(
          "piece %d of %s is %d bytes, got %d", index, layout.digest(), length, data.remaining()));
    }
    if (hasPiece(index)) {
      return;
    }
    MessageDigest md = Digest.newSha256();
    md.update(data.duplicate());
    Digest actual = Digest.finish(md);
    Digest expected = layout.pieceDigest(index);
    if (!actual.equals(expected)) {
      throw new DigestMismatchException("piece " + index + " of " + layout.digest(), expected, actual);
    }
    FileChannel ch = openChannel();
    Durable.writeFully(ch, data.duplicate(), layout.offset(index));
    ch.force(false);
    synchronized (lock) {
      if (completed || bits.get(index)) {
        return;
      }
      BitSet next = (BitSet) bits.clone();
      next.set(index);
      PieceBitmapFile.write(bitmapFile, store.tmpDir(), layout, piecesHash, next);
      bits = next;
    }
  }

  private FileChannel openChannel() {
    synchronized (lock) {
      if (channel == null) {
        throw new IllegalStateException("partial object " + layout.digest() + " is closed");
      }
      return channel;
    }
  }

  BitSet verifiedPieces() {
    synchronized (lock) {
      return (BitSet) bits.clone();
    }
  }

  boolean allPiecesPresent() {
    synchronized (lock) {
      return bits.cardinality() == layout.pieceCount();
    }
  }

  /**
   * Verifies the whole object and moves it into the store. Holds {@link #lock} throughout, so
   * piece writes wait (they would be no-ops anyway: every piece is present).
   */
  void complete() throws IOException {
    synchronized (lock) {
      if (completed) {
        return;
      }
      if (store.contains(layout.digest())) {
        discardFiles();
        completed = true;
        return;
      }
      int missing = layout.pieceCount() - bits.cardinality();
      if (missing > 0) {
        throw new IllegalStateException(String.format("object %s: %d of %d pieces missing (first: %d)",
            layout.digest(), missing, layout.pieceCount(), bits.nextClearBit(0)));
      }
      FileChannel ch = openChannel();
      ch.force(true);
      Digest actual = hash(ch);
      if (!actual.equals(layout.digest())) {
        reset(); // the piece list does not add up to the object: keeping the pieces cannot help
        throw new DigestMismatchException("assembled object", layout.digest(), actual);
      }
      store.publish(dataFile, layout.digest());
      closeChannel();
      Files.deleteIfExists(bitmapFile);
      Durable.forceDirectory(bitmapFile.getParent());
      completed = true;
    }
  }

  private void discardFiles() throws IOException {
    closeChannel();
    Files.deleteIfExists(dataFile);
    Files.deleteIfExists(bitmapFile);
  }

  private Digest hash(FileChannel ch) throws IOException {
    MessageDigest md = Digest.newSha256();
    ByteBuffer buf = ByteBuffer.allocate(1 << 20);
    long pos = 0;
    while (pos < layout.size()) {
      buf.clear();
      int n = ch.read(buf, pos);
      if (n < 0) {
        throw new IOException(String.format("%s: ended at %d of %d bytes", dataFile, pos, layout.size()));
      }
      buf.flip();
      md.update(buf);
      pos += n;
    }
    return Digest.finish(md);
  }

  /** One caller's view of the shared state; closing it twice is harmless. */
  final class Handle implements PartialObject {
    private boolean closed;

    @Override
    public Digest digest() {
      return layout.digest();
    }

    @Override
    public long size() {
      return layout.size();
    }

    @Override
    public int pieceSize() {
      return layout.pieceSize();
    }

    @Override
    public int pieceCount() {
      return layout.pieceCount();
    }

    @Override
    public int pieceLength(int index) {
      return layout.pieceLength(index);
    }

    @Override
    public boolean hasPiece(int index) {
      return FilePartialObject.this.hasPiece(index);
    }

    @Override
    public BitSet verifiedPieces() {
      return FilePartialObject.this.verifiedPieces();
    }

    @Override
    public boolean allPiecesPresent() {
      return FilePartialObject.this.allPiecesPresent();
    }

    @Override
    public void writePiece(int index, ByteBuffer data) throws IOException {
      checkOpen();
      FilePartialObject.this.writePiece(index, data);
    }

    @Override
    public void complete() throws IOException {
      checkOpen();
      FilePartialObject.this.complete();
    }

    private synchronized void checkOpen() {
      if (closed) {
        throw new IllegalStateException("partial object " + layout.digest() + ": handle is closed");
      }
    }

    @Override
    public void close() throws IOException {
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
      }
      store.releasePartial(FilePartialObject.this);
    }

    @Override
    public String toString() {
      return "PartialObject[" + layout.digest().shortHex(12) + ", "
          + FilePartialObject.this.verifiedPieces().cardinality() + "/" + layout.pieceCount() + " pieces]";
    }
  }
}
