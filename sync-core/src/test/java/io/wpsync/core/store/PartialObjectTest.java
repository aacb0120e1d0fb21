package io.wpsync.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wpsync.core.hash.Digest;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartialObjectTest {
  static final int PIECE = 64 * 1024;

  @TempDir Path dir;
  FileContentStore store;
  byte[] data;
  Pieces pieces;

  /** An object cut into pieces, with their digests. */
  record Pieces(byte[] data, int pieceSize, Digest digest, List<Digest> digests) {
    static Pieces of(byte[] data, int pieceSize) {
      List<Digest> ds = new ArrayList<>();
      for (int off = 0; off < data.length; off += pieceSize) {
        ds.add(Digest.of(data, off, Math.min(pieceSize, data.length - off)));
      }
      return new Pieces(data, pieceSize, Digest.of(data), ds);
    }

    ByteBuffer piece(int i) {
      int off = i * pieceSize;
      return ByteBuffer.wrap(data, off, Math.min(pieceSize, data.length - off)).slice();
    }
  }

  @BeforeEach
  void setUp() throws IOException {
    store = FileContentStore.open(dir.resolve("store"));
    data = new byte[5 * PIECE + 1234];
    new Random(42).nextBytes(data);
    pieces = Pieces.of(data, PIECE);
  }

  @AfterEach
  void tearDown() throws IOException {
    store.close();
  }

  private PartialObject open() throws IOException {
    return store.openPartial(pieces.digest(), data.length, PIECE, pieces.digests());
  }

  @Test
  void assemblesFromPiecesInAnyOrderAndCompletes() throws IOException {
    try (PartialObject p = open()) {
      assertThat(p.pieceCount()).isEqualTo(6);
      assertThat(p.pieceLength(5)).isEqualTo(1234);
      for (int i : new int[] {3, 0, 5, 1, 4}) {
        p.writePiece(i, pieces.piece(i));
      }
      assertThat(p.allPiecesPresent()).isFalse();
      assertThat(store.contains(pieces.digest())).isFalse();
      assertThatThrownBy(p::complete).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("1 of 6 pieces missing (first: 2)");

      p.writePiece(2, pieces.piece(2));
      assertThat(p.allPiecesPresent()).isTrue();
      p.complete();
      p.complete(); // idempotent
    }
    assertThat(store.read(pieces.digest())).isEqualTo(data);
    assertThat(Files.list(store.root().resolve("partial"))).isEmpty();
    assertThat(Files.getPosixFilePermissions(store.objectPath(pieces.digest())))
        .isEqualTo(FileContentStore.OBJECT_PERMISSIONS);
  }

  @Test
  void corruptPieceIsRejectedAndNotRecorded() throws IOException {
    try (PartialObject p = open()) {
      ByteBuffer bad = ByteBuffer.wrap(pieces.piece(1).array().clone(), 1 * PIECE, PIECE).slice();
      bad.put(17, (byte) (bad.get(17) ^ 1));
      assertThatThrownBy(() -> p.writePiece(1, bad))
          .isInstanceOf(DigestMismatchException.class)
          .hasMessageContaining("verify piece 1 of " + pieces.digest() + " " + pieces.digests().get(1));
      assertThat(p.hasPiece(1)).isFalse();
      assertThat(store.locatePiece(pieces.digest(), PIECE, 1)).isEmpty();

      assertThatThrownBy(() -> p.writePiece(1, ByteBuffer.allocate(10)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is 65536 bytes, got 10");
      assertThatThrownBy(() -> p.writePiece(6, ByteBuffer.allocate(10)))
          .isInstanceOf(IndexOutOfBoundsException.class);
    }
    try (PartialObject p = open()) {
      assertThat(p.verifiedPieces().isEmpty()).isTrue();
    }
  }

  @Test
  void resumesAfterCrashFromPersistedBitmap() throws IOException {
    try (PartialObject p = open()) {
      p.writePiece(0, pieces.piece(0));
      p.writePiece(4, pieces.piece(4));
    }
    store.close(); // the "crash": the process goes away with the object incomplete

    store = FileContentStore.open(dir.resolve("store"));
    // before anyone opens it, its verified pieces can already be served
    ContentStore.PieceLocation loc = store.locatePiece(pieces.digest(), PIECE, 4).orElseThrow();
    assertThat(readRange(loc)).isEqualTo(pieces.piece(4));
    assertThat(store.locatePiece(pieces.digest(), PIECE, 1)).isEmpty();

    try (PartialObject p = open()) {
      assertThat(p.verifiedPieces().stream().toArray()).containsExactly(0, 4);
      // the fetcher asks hasPiece and fetches only the rest
      for (int i = 0; i < p.pieceCount(); i++) {
        if (!p.hasPiece(i)) {
          p.writePiece(i, pieces.piece(i));
        }
      }
      p.complete();
    }
    assertThat(store.read(pieces.digest())).isEqualTo(data);
  }

  @Test
  void resumeTrustsTheBitmapWithoutRehashing() throws IOException {
    try (PartialObject p = open()) {
      p.writePiece(0, pieces.piece(0));
    }
    store.close();
    // flip a byte of the verified piece behind the store's back: resume does not re-read it...
    try (RandomAccessFile f = new RandomAccessFile(dir.resolve("store/partial/" + pieces.digest().hex()).toFile(), "rw")) {
      f.seek(10);
      f.write(data[10] ^ 1);
    }
    store = FileContentStore.open(dir.resolve("store"));
    try (PartialObject p = open()) {
      assertThat(p.hasPiece(0)).isTrue();
      for (int i = 1; i < p.pieceCount(); i++) {
        p.writePiece(i, pieces.piece(i));
      }
      // ...but complete() verifies the whole object, so the corruption cannot become an object
      assertThatThrownBy(p::complete).isInstanceOf(DigestMismatchException.class)
          .hasMessageContaining("verify assembled object " + pieces.digest());
      assertThat(store.contains(pieces.digest())).isFalse();
      assertThat(p.verifiedPieces().isEmpty()).isTrue(); // started over
    }
  }

  @Test
  void bitmapIsDiscardedWhenTheDataFileHasTheWrongSize() throws IOException {
    try (PartialObject p = open()) {
      p.writePiece(0, pieces.piece(0));
    }
    store.close();
    try (FileChannel ch = FileChannel.open(dir.resolve("store/partial/" + pieces.digest().hex()),
        StandardOpenOption.WRITE)) {
      ch.truncate(PIECE);
    }
    store = FileContentStore.open(dir.resolve("store"));
    assertThat(store.locatePiece(pieces.digest(), PIECE, 0)).isEmpty();
    try (PartialObject p = open()) {
      assertThat(p.verifiedPieces().isEmpty()).isTrue();
      assertThat(Files.size(dir.resolve("store/partial/" + pieces.digest().hex()))).isEqualTo(data.length);
    }
  }

  @Test
  void bitmapIsDiscardedWhenThePieceLayoutChanged() throws IOException {
    try (PartialObject p = open()) {
      p.writePiece(0, pieces.piece(0));
    }
    Pieces bigger = Pieces.of(data, 2 * PIECE);
    try (PartialObject p = store.openPartial(bigger.digest(), data.length, 2 * PIECE, bigger.digests())) {
      assertThat(p.verifiedPieces().isEmpty()).isTrue();
      for (int i = 0; i < p.pieceCount(); i++) {
        p.writePiece(i, bigger.piece(i));
      }
      p.complete();
    }
    assertThat(store.read(pieces.digest())).isEqualTo(data);
  }

  @Test
  void wholeDigestMismatchIsCaughtByComplete() throws IOException {
    // piece digests that are self-consistent but do not add up to the announced object digest
    Digest announced = Digest.of("something else".getBytes());
    try (PartialObject p = store.openPartial(announced, data.length, PIECE, pieces.digests())) {
      for (int i = 0; i < p.pieceCount(); i++) {
        p.writePiece(i, pieces.piece(i));
      }
      assertThatThrownBy(p::complete).isInstanceOf(DigestMismatchException.class)
          .hasMessageContaining("got " + pieces.digest());
    }
    assertThat(store.contains(announced)).isFalse();
    assertThat(store.contains(pieces.digest())).isFalse();
  }

  @Test
  void concurrentWritersShareOneBitmap() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (PartialObject a = open(); PartialObject b = open()) {
      List<Future<?>> fs = new ArrayList<>();
      for (int i = 0; i < pieces.digests().size(); i++) {
        int n = i;
        fs.add(pool.submit(() -> {
          a.writePiece(n, pieces.piece(n));
          b.writePiece(n, pieces.piece(n));
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get(30, TimeUnit.SECONDS);
      }
      assertThat(a.allPiecesPresent()).isTrue();
      assertThat(b.allPiecesPresent()).isTrue();
      b.complete();
      a.complete();
    } finally {
      pool.shutdownNow();
    }
    assertThat(store.read(pieces.digest())).isEqualTo(data);
  }

  @Test
  void openingAnObjectAlreadyStoredShowsEveryPiece() throws IOException {
    store.put(data);
    try (PartialObject p = open()) {
      assertThat(p.allPiecesPresent()).isTrue();
      p.writePiece(0, pieces.piece(0)); // no-op
      p.complete();
    }
    assertThat(Files.list(store.root().resolve("partial"))).isEmpty();
  }

  @Test
  void smallObjectIsOnePiece() throws IOException {
    byte[] small = "<?php // Silence is golden.".getBytes();
    Digest d = Digest.of(small);
    try (PartialObject p = store.openPartial(d, small.length, PIECE, List.of())) {
      assertThat(p.pieceCount()).isEqualTo(1);
      p.writePiece(0, ByteBuffer.wrap(small));
      p.complete();
    }
    assertThat(store.read(d)).isEqualTo(small);
    Digest empty = Digest.of(new byte[0]);
    try (PartialObject p = store.openPartial(empty, 0, PIECE, List.of(empty))) {
      p.writePiece(0, ByteBuffer.allocate(0));
      p.complete();
    }
    assertThat(store.read(empty)).isEmpty();
  }

  @Test
  void invalidLayoutsAreRefusedWithClearMessages() {
    Digest d = pieces.digest();
    assertThatThrownBy(() -> store.openPartial(d, -1, PIECE, List.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative size -1");
    assertThatThrownBy(() -> store.openPartial(d, data.length, 0, List.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("piece size must be positive");
    assertThatThrownBy(() -> store.openPartial(d, data.length, PIECE, pieces.digests().subList(0, 5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has 6 pieces of 65536 bytes, got 5 piece digests");
    assertThatThrownBy(() -> store.openPartial(d, 100, PIECE, pieces.digests().subList(0, 2)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one 65536-byte piece");
    assertThat(dir.resolve("store/partial/" + d.hex())).doesNotExist();
  }

  @Test
  void reopeningWithADifferentLayoutWhileOpenIsRefused() throws IOException {
    try (PartialObject p = open()) {
      Pieces other = Pieces.of(data, 2 * PIECE);
      assertThatThrownBy(() -> store.openPartial(other.digest(), data.length, 2 * PIECE, other.digests()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already being assembled");
    }
  }

  private static ByteBuffer readRange(ContentStore.PieceLocation loc) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(loc.length());
    try (FileChannel ch = FileChannel.open(loc.file(), StandardOpenOption.READ)) {
      while (buf.hasRemaining()) {
        if (ch.read(buf, loc.offset() + buf.position()) < 0) {
          break;
        }
      }
    }
    return buf.flip();
  }
}
