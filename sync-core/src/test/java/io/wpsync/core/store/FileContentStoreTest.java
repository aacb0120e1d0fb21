package io.wpsync.core.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wpsync.core.hash.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileContentStoreTest {
  @TempDir Path dir;
  FileContentStore store;

  @BeforeEach
  void open() throws IOException {
    store = FileContentStore.open(dir.resolve("store"));
  }

  @AfterEach
  void close() throws IOException {
    store.close();
  }

  static byte[] randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void putThenReadBack() throws IOException {
    byte[] data = "hello wp-content".getBytes(UTF_8);
    Digest d = store.put(data);

    assertThat(d).isEqualTo(Digest.of(data));
    assertThat(store.contains(d)).isTrue();
    assertThat(store.read(d)).isEqualTo(data);
    assertThat(store.size(d)).isEqualTo(data.length);
    String hex = d.hex();
    assertThat(store.objectPath(d))
        .isEqualTo(store.root().resolve("objects").resolve(hex.substring(0, 2)).resolve(hex.substring(2)));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.objectPath(d))))
        .isEqualTo("r--r--r--");
    assertThat(store.list()).containsExactly(d);
    assertThat(tmpFiles()).isEmpty();
  }

  @Test
  void putFromStreamAndFileVerify() throws IOException {
    byte[] data = randomBytes(700_000, 1);
    Digest d = Digest.of(data);
    store.put(d, new ByteArrayInputStream(data));
    assertThat(store.read(d)).isEqualTo(data);

    byte[] other = randomBytes(3000, 2);
    Path source = dir.resolve("source.bin");
    Files.write(source, other);
    assertThat(store.putFile(source, null)).isEqualTo(Digest.of(other));
    assertThat(store.putFile(source, Digest.of(other))).isEqualTo(Digest.of(other));
    assertThat(store.read(Digest.of(other))).isEqualTo(other);
  }

  @Test
  void putOfPresentObjectDoesNotReadTheStream() throws IOException {
    byte[] data = "same".getBytes(UTF_8);
    Digest d = store.put(data);
    InputStream failing = new InputStream() {
      @Override
      public int read() throws IOException {
        throw new IOException("must not be read");
      }
    };
    store.put(d, failing);
    assertThat(store.read(d)).isEqualTo(data);
  }

  @Test
  void mismatchStoresNothingAndLeavesNoTemp() throws IOException {
    byte[] data = "real content".getBytes(UTF_8);
    Digest wrong = Digest.of("announced content".getBytes(UTF_8));

    assertThatThrownBy(() -> store.put(wrong, new ByteArrayInputStream(data)))
        .isInstanceOf(DigestMismatchException.class)
        .hasMessageContaining("verify object " + wrong)
        .hasMessageContaining("got " + Digest.of(data));
    assertThatThrownBy(() -> store.put(wrong, ByteBuffer.wrap(data)))
        .isInstanceOf(DigestMismatchException.class);
    Path source = dir.resolve("f");
    Files.write(source, data);
    assertThatThrownBy(() -> store.putFile(source, wrong))
        .isInstanceOf(DigestMismatchException.class)
        .hasMessageContaining(source.toString());

    assertThat(store.contains(wrong)).isFalse();
    assertThat(store.contains(Digest.of(data))).isFalse();
    assertThat(store.list()).isEmpty();
    assertThat(tmpFiles()).isEmpty();
    assertThatThrownBy(() -> store.objectPath(wrong)).isInstanceOf(NoSuchObjectException.class)
        .hasMessageContaining(wrong.toString());
    assertThatThrownBy(() -> store.read(wrong)).isInstanceOf(NoSuchObjectException.class);
  }

  @Test
  void concurrentPutsOfTheSameObjectAllSucceed() throws Exception {
    byte[] data = randomBytes(200_000, 3);
    Digest d = Digest.of(data);
    int threads = 8;
    CyclicBarrier start = new CyclicBarrier(threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        int n = i;
        futures.add(pool.submit(() -> {
          start.await(5, TimeUnit.SECONDS);
          for (int round = 0; round < 20; round++) {
            if (n % 2 == 0) {
              store.put(d, ByteBuffer.wrap(data));
            } else {
              store.put(d, new ByteArrayInputStream(data));
            }
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(store.read(d)).isEqualTo(data);
    assertThat(store.list()).containsExactly(d);
    assertThat(tmpFiles()).isEmpty();
  }

  @Test
  void openRemovesTemporaryFilesOfACrashedWrite() throws IOException {
    store.put("kept".getBytes(UTF_8));
    Path leftover = store.root().resolve("tmp").resolve("abc-123.tmp");
    Files.write(leftover, "half an object".getBytes(UTF_8));
    store.close();

    store = FileContentStore.open(dir.resolve("store"));
    assertThat(leftover).doesNotExist();
    assertThat(store.list()).containsExactly(Digest.of("kept".getBytes(UTF_8)));
  }

  @Test
  void aSecondInstanceOnTheSameRootIsRefused() {
    assertThatThrownBy(() -> FileContentStore.open(dir.resolve("store")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("already open");
  }

  @Test
  void gcKeepsReferencedObjectsAndRemovesTheRest() throws IOException {
    Digest keep = store.put("keep me".getBytes(UTF_8));
    Digest drop1 = store.put(randomBytes(1000, 4));
    Digest drop2 = store.put(randomBytes(500, 5));
    Path linkedRelease = dir.resolve("release-file");
    Files.createLink(linkedRelease, store.objectPath(drop1));
    assertThat(store.contains(drop1)).isTrue(); // remembered as present: gc must forget it

    ContentStore.GcResult r = store.gc(Set.of(keep));

    assertThat(r.objectsRemoved()).isEqualTo(2);
    assertThat(r.bytesRemoved()).isEqualTo(1500);
    assertThat(store.list()).containsExactly(keep);
    assertThat(store.contains(drop1)).isFalse();
    assertThat(store.contains(drop2)).isFalse();
    assertThat(Digest.of(Files.readAllBytes(linkedRelease))).isEqualTo(drop1); // a hard link survives
    assertThat(store.gc(Set.of(keep)).objectsRemoved()).isZero();
  }

  @Test
  void gcRemovesUnreferencedPartialsButNotOpenOnes() throws IOException {
    byte[] big = randomBytes(3 * 64 * 1024, 6);
    PartialObjectTest.Pieces p = PartialObjectTest.Pieces.of(big, 64 * 1024);
    try (PartialObject open = store.openPartial(p.digest(), big.length, p.pieceSize(), p.digests())) {
      open.writePiece(0, p.piece(0));
    }
    byte[] big2 = randomBytes(3 * 64 * 1024, 7);
    PartialObjectTest.Pieces p2 = PartialObjectTest.Pieces.of(big2, 64 * 1024);
    try (PartialObject inUse = store.openPartial(p2.digest(), big2.length, p2.pieceSize(), p2.digests())) {
      ContentStore.GcResult r = store.gc(Set.of());
      assertThat(r.partialsRemoved()).isEqualTo(1);
      assertThat(r.bytesRemoved()).isEqualTo(big.length);
      assertThat(partialFiles()).containsExactlyInAnyOrder(p2.digest().hex(), p2.digest().hex() + ".pieces");
      inUse.writePiece(1, p2.piece(1));
    }
    assertThat(store.gc(Set.of(p2.digest())).partialsRemoved()).isZero();
    assertThat(store.gc(Set.of()).partialsRemoved()).isEqualTo(1);
    assertThat(partialFiles()).isEmpty();
  }

  @Test
  void locatePieceOfACompleteObject() throws IOException {
    byte[] data = randomBytes(150_000, 8);
    Digest d = store.put(data);
    int pieceSize = 64 * 1024;

    ContentStore.PieceLocation last = store.locatePiece(d, pieceSize, 2).orElseThrow();
    assertThat(last.file()).isEqualTo(store.objectPath(d));
    assertThat(last.offset()).isEqualTo(2L * pieceSize);
    assertThat(last.length()).isEqualTo(150_000 - 2 * pieceSize);
    assertThat(store.locatePiece(d, pieceSize, 3)).isEmpty();
    assertThat(store.locatePiece(Digest.of(new byte[1]), pieceSize, 0)).isEmpty();
    assertThatThrownBy(() -> store.locatePiece(d, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.locatePiece(d, pieceSize, -1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void emptyObject() throws IOException {
    Digest d = store.put(new byte[0]);
    assertThat(store.read(d)).isEmpty();
    assertThat(store.locatePiece(d, 65536, 0).orElseThrow().length()).isZero();
  }

  private List<String> tmpFiles() throws IOException {
    try (Stream<Path> s = Files.list(store.root().resolve("tmp"))) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }

  private List<String> partialFiles() throws IOException {
    try (Stream<Path> s = Files.list(store.root().resolve("partial"))) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }
}
