package io.wpsync.agent.peer.server;

import static io.wpsync.agent.peer.PeerTestSupport.CLUSTER;
import static io.wpsync.agent.peer.PeerTestSupport.auth;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.wpsync.agent.peer.LocalAvailability;
import io.wpsync.agent.peer.PeerAddress;
import io.wpsync.agent.peer.TestRelease;
import io.wpsync.agent.peer.client.PeerClient;
import io.wpsync.agent.peer.client.PeerClientConfig;
import io.wpsync.agent.peer.client.PeerConnection;
import io.wpsync.agent.peer.client.PeerListener;
import io.wpsync.core.hash.Digest;
import io.wpsync.core.manifest.ManifestEntry;
import io.wpsync.core.store.FileContentStore;
import io.wpsync.core.wire.Frames;
import io.wpsync.core.wire.HandshakeProofs;
import io.wpsync.core.wire.Message;
import io.wpsync.core.wire.MessageCodec;
import io.wpsync.core.wire.MessageType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thousands of connections of random bytes, truncated and oversize frames and broken handshakes
 * against a live server, while a good peer keeps fetching: the server never sends content to the
 * fuzzers, never dies, and ends with no leaked connection.
 */
class PeerServerFuzzTest {
  private static final int PS = 64 * 1024;
  private static final int CONNECTIONS = 2000;
  @TempDir Path dir;

  @Test
  void randomBytesNeverCrashLeakOrLeakContent() throws Exception {
    TestRelease release = TestRelease.generate(7, PS, 3, 5000, 1, 2 * PS);
    ManifestEntry big = release.manifest.uniqueObjects().stream().filter(e -> e.pieceCount() > 1).findFirst().orElseThrow();
    try (FileContentStore store = FileContentStore.open(dir.resolve("s"))) {
      release.storeInto(store);
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      PeerServer server = PeerServer.start(PeerServerConfig.defaults("127.0.0.1", 0, auth("srv"))
          .withHandshakeTimeout(Duration.ofMillis(2000)).withIoThreads(2),
          store, new LocalAvailability(store), registry);
      try (server; PeerClient client = new PeerClient(PeerClientConfig.defaults(auth("good")).withIoThreads(1),
          new SimpleMeterRegistry())) {
        PeerConnection good = client.connect(new PeerAddress("srv", "127.0.0.1", server.port(), false, null),
            PeerListener.NONE).get(5, TimeUnit.SECONDS);
        int baseline = server.activeConnections();
        assertThat(baseline).isEqualTo(1);

        AtomicBoolean fuzzing = new AtomicBoolean(true);
        AtomicInteger goodFetches = new AtomicInteger();
        Thread goodPeer = new Thread(() -> {
          while (fuzzing.get()) {
            try {
              Message.Piece p = good.getPiece(big.digest(), PS, 1).get(5, TimeUnit.SECONDS);
              boolean ok = digestOf(p.data()).equals(big.pieceDigest(1));
              p.data().release();
              if (ok) {
                goodFetches.incrementAndGet();
              }
              Thread.sleep(20);
            } catch (Exception e) {
              return;
            }
          }
        });
        goodPeer.start();

        ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
        AtomicInteger done = new AtomicInteger();
        // bounded in count and time; the count reached is a floor, not a speed target (a loaded CI
        // machine is slower): about 2,000 in 6 s on an idle 2-core VM
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<?>> futures = new java.util.ArrayList<>();
        for (int t = 0; t < 16; t++) {
          long seed = t;
          futures.add(pool.submit(() -> {
            Random r = new Random(seed);
            while (done.get() < CONNECTIONS && System.nanoTime() < deadline) {
              try {
                fuzzOnce(server.port(), r, big.digest(), violations);
              } catch (IOException e) {
                // refused or reset: fine, the server is allowed to hang up
              }
              done.incrementAndGet();
            }
            return null;
          }));
        }
        for (Future<?> f : futures) {
          f.get(30, TimeUnit.SECONDS);
        }
        pool.shutdown();
        fuzzing.set(false);
        goodPeer.join(10_000);

        assertThat(done.get()).as("fuzz connections within 20 s").isGreaterThanOrEqualTo(CONNECTIONS / 4);
        assertThat(violations).isEmpty();
        assertThat(goodFetches.get()).as("good peer served during the fuzz").isGreaterThan(10);
        Awaitility.await().atMost(Duration.ofSeconds(10))
            .until(() -> server.activeConnections() == baseline);
        assertThat(registry.get("wpsync.peer.connections.active").tag("side", "server").gauge().value())
            .isEqualTo(baseline);
        Message.Piece after = good.getPiece(big.digest(), PS, 0).get(5, TimeUnit.SECONDS);
        assertThat(digestOf(after.data())).isEqualTo(big.pieceDigest(0));
        after.data().release();
        // the server counts a piece when its write completes, which may be just after the client has it
        long expected = (long) (goodFetches.get() + 1) * PS;
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> server.uploadedBytes() >= expected);
        assertThat(server.uploadedBytes()).isEqualTo(expected);
      }
    }
  }

  private static Digest digestOf(ByteBuf b) {
    byte[] a = new byte[b.readableBytes()];
    b.getBytes(b.readerIndex(), a);
    return Digest.of(a);
  }

  private static void fuzzOnce(int port, Random r, Digest object, ConcurrentLinkedQueue<String> violations)
      throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(150);
      s.setSoLinger(true, 0);
      var out = s.getOutputStream();
      int kind = r.nextInt(8);
      switch (kind) {
        case 0 -> out.write(random(r, 1 + r.nextInt(512)));
        case 1 -> {
          out.write(frame(hello()));
          out.write(random(r, r.nextInt(256)));
        }
        case 2 -> { // a plausible header with a random type and a random payload
          int len = 1 + r.nextInt(100);
          ByteBuf b = Unpooled.buffer().writeInt(len).writeByte(r.nextInt(256));
          b.writeBytes(random(r, len - 1));
          out.write(bytes(b));
        }
        case 3 -> { // a truncated valid frame, then hang up
          byte[] f = frame(r.nextBoolean() ? hello() : new Message.GetPiece(1, object, PS, 0));
          out.write(f, 0, r.nextInt(f.length));
        }
        case 4 -> out.write(bytes(Unpooled.buffer().writeInt(Frames.MAX_FRAME + 1 + r.nextInt(1000))));
        case 5 -> { } // connect and leave
        case 6 -> { // handshake with a forged proof, then a request
          out.write(frame(hello()));
          out.write(frame(new Message.Auth(random(r, 32))));
          out.write(frame(new Message.GetPiece(2, object, PS, 0)));
        }
        default -> { // a request, no handshake
          out.write(frame(new Message.GetPiece(3, object, PS, 1)));
          out.write(frame(new Message.Interested(object)));
        }
      }
      out.flush();
      checkReplies(s.getInputStream(), violations);
    }
  }

  /** Whatever the server sends must be CHALLENGE or ERROR frames, nothing else. */
  private static void checkReplies(InputStream in, ConcurrentLinkedQueue<String> violations) throws IOException {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    try {
      int n;
      while ((n = in.read(buf)) >= 0 && got.size() < 1 << 20) {
        got.write(buf, 0, n);
      }
    } catch (SocketTimeoutException e) {
      // server waits for more bytes (a truncated frame): fine, the handshake deadline ends it
    }
    ByteBuf b = Unpooled.wrappedBuffer(got.toByteArray());
    while (b.readableBytes() >= 5) {
      int len = b.readInt();
      if (len > b.readableBytes()) {
        break;
      }
      int type = b.getUnsignedByte(b.readerIndex());
      if (type != MessageType.CHALLENGE.code() && type != MessageType.ERROR.code()) {
        violations.add("server sent " + MessageType.of(type) + " to an unauthenticated client");
      }
      b.skipBytes(len);
    }
  }

  private static Message hello() {
    return new Message.Hello(Frames.PROTOCOL_VERSION, CLUSTER, "fuzzer", HandshakeProofs.newNonce());
  }

  private static byte[] frame(Message m) {
    ByteBuf b = Unpooled.buffer();
    MessageCodec.encode(m, b);
    return bytes(b);
  }

  private static byte[] bytes(ByteBuf b) {
    byte[] a = new byte[b.readableBytes()];
    b.readBytes(a);
    return a;
  }

  private static byte[] random(Random r, int n) {
    byte[] a = new byte[n];
    r.nextBytes(a);
    return a;
  }
}
