package io.wpsync.agent.fetch;

import io.wpsync.core.hash.Digest;
import io.wpsync.core.manifest.ManifestEntry;
import io.wpsync.core.store.ContentStore;
import io.wpsync.core.store.DigestMismatchException;
import io.wpsync.core.store.PartialObject;
import io.wpsync.core.wire.Message;
import io.wpsync.core.wire.PieceSpace;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Verifies and stores pieces of one release, on the verify threads: a single-piece object goes
 * through {@link ContentStore#put(Digest, ByteBuffer)}, a piece of a large object through its
 * {@link PartialObject}; both hash before writing, so a bad piece never lands. Reports the outcome
 * as a {@link SwarmEvent}.
 */
final class PieceWriter implements Closeable {
  private final ContentStore store;
  private final PieceSpace space;
  private final Map<Integer, PartialObject> partials = new ConcurrentHashMap<>();

  PieceWriter(ContentStore store, PieceSpace space) {
    this.store = store;
    this.space = space;
  }

  /**
   * The pieces already held: complete objects, and verified pieces of partial ones (a resumed
   * download). Stores empty files directly. Completes partial objects whose pieces are all there.
   */
  BitSet scan() throws IOException {
    BitSet held = new BitSet(space.pieceCount());
    for (int k = 0; k < space.objects().size(); k++) {
      ManifestEntry e = space.objects().get(k);
      int first = space.firstPiece(k);
      if (store.contains(e.digest())) {
        held.set(first, first + e.pieceCount());
      } else if (e.size() == 0) {
        store.put(e.digest(), ByteBuffer.allocate(0));
        held.set(first);
      } else if (e.pieceCount() > 1) {
        PartialObject p = partial(k);
        BitSet v = p.verifiedPieces();
        for (int i = v.nextSetBit(0); i >= 0 && i < e.pieceCount(); i = v.nextSetBit(i + 1)) {
          held.set(first + i);
        }
        if (p.allPiecesPresent()) {
          p.complete();
          partials.remove(k).close();
        }
      }
    }
    return held;
  }

  /** Verifies and writes a received piece (releases its buffer), then reports to {@code sink}. */
  void write(RemotePeer from, PieceSpace.Ref ref, Message.Piece piece, Consumer<SwarmEvent> sink) {
    try {
      int n = piece.data().readableBytes();
      if (n != ref.length()) {
        sink.accept(new SwarmEvent.Corrupt(from, ref.global(), String.format(
            "piece %d of %s: %d bytes, expected %d", ref.local(), ref.objectDigest(), n, ref.length())));
        return;
      }
      ByteBuffer data = piece.data().nioBuffer();
      if (ref.wholeObject()) {
        store.put(ref.objectDigest(), data);
      } else {
        partial(ref.object()).writePiece(ref.local(), data);
      }
      sink.accept(new SwarmEvent.Stored(from, ref.global(), n));
    } catch (DigestMismatchException e) {
      sink.accept(new SwarmEvent.Corrupt(from, ref.global(), e.getMessage()));
    } catch (IOException | RuntimeException e) {
      sink.accept(new SwarmEvent.StoreFailed(e));
    } finally {
      piece.data().release();
    }
  }

  /** Verifies a large object whose pieces are all written and moves it into the store. */
  void complete(int k, Consumer<SwarmEvent> sink) {
    try {
      PartialObject p = partials.remove(k);
      if (p != null) {
        try (p) {
          p.complete();
        }
      }
      sink.accept(new SwarmEvent.ObjectDone(k, null));
    } catch (IOException | RuntimeException e) {
      sink.accept(new SwarmEvent.ObjectDone(k, e));
    }
  }

  private PartialObject partial(int k) throws IOException {
    PartialObject p = partials.get(k);
    if (p != null) {
      return p;
    }
    synchronized (partials) {
      p = partials.get(k);
      if (p == null) {
        ManifestEntry e = space.objects().get(k);
        p = store.openPartial(e.digest(), e.size(), space.manifest().pieceSize(), e.pieces());
        partials.put(k, p);
      }
      return p;
    }
  }

  /** Closes partial objects (their verified pieces stay on disk for a later resume). */
  @Override
  public void close() {
    for (PartialObject p : partials.values()) {
      try {
        p.close();
      } catch (IOException e) {
        // nothing useful to do: the verified-pieces record is already durable
      }
    }
    partials.clear();
  }
}
