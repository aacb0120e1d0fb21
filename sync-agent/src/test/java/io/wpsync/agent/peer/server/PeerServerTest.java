package io.wpsync.agent.peer.server;

import static io.wpsync.agent.peer.PeerTestSupport.CLUSTER;
import static io.wpsync.agent.peer.PeerTestSupport.auth;
import static io.wpsync.agent.peer.PeerTestSupport.read;
import static io.wpsync.agent.peer.PeerTestSupport.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wpsync.agent.peer.LocalAvailability;
import io.wpsync.agent.peer.PeerAddress;
import io.wpsync.agent.peer.PeerAuth;
import io.wpsync.agent.peer.TestRelease;
import io.wpsync.agent.peer.client.PeerClient;
import io.wpsync.agent.peer.client.PeerClientConfig;
import io.wpsync.agent.peer.client.PeerConnection;
import io.wpsync.agent.peer.client.PeerException;
import io.wpsync.agent.peer.client.PeerListener;
import io.wpsync.core.hash.Digest;
import io.wpsync.core.manifest.ManifestEntry;
import io.wpsync.core.store.FileContentStore;
import io.wpsync.core.wire.ClusterSecret;
import io.wpsync.core.wire.ErrorCode;
import io.wpsync.core.wire.Frames;
import io.wpsync.core.wire.HandshakeProofs;
import io.wpsync.core.wire.Message;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerServerTest {
  private static final int PS = 64 * 1024;
  @TempDir Path dir;
  private FileContentStore store;
  private TestRelease release;
  private LocalAvailability availability;
  private PeerServer server;
  private PeerClient client;

  @BeforeEach
  void start() throws Exception {
    store = FileContentStore.open(dir.resolve("store"));
    release = TestRelease.generate(1, PS, 5, 1000, 1, 3 * PS + 17);
    release.storeInto(store);
    availability = new LocalAvailability(store);
    server = PeerServer.start(PeerServerConfig.defaults("127.0.0.1", 0, auth("server"))
        .withHandshakeTimeout(Duration.ofSeconds(3)).withIoThreads(1), // 3 s: enough on a loaded CI machine
        store, availability,
        new SimpleMeterRegistry());
    client = new PeerClient(PeerClientConfig.defaults(auth("client")).withIoThreads(1), new SimpleMeterRegistry());
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    server.close();
    store.close();
  }

  private PeerAddress address() {
    return new PeerAddress("server", "127.0.0.1", server.port(), true, null);
  }

  private ManifestEntry big() {
    return release.manifest.uniqueObjects().stream().filter(e -> e.pieceCount() > 1).findFirst().orElseThrow();
  }

  @Test
  void authenticatedClientGetsVerifiedPiecesByDigestAndRejectsDoNotCloseTheConnection() throws Exception {
    PeerConnection c = client.connect(address(), PeerListener.NONE).get(5, TimeUnit.SECONDS);
    ManifestEntry big = big();
    Message.Piece p = c.getPiece(big.digest(), PS, 3).get(5, TimeUnit.SECONDS);
    try {
      byte[] got = new byte[p.data().readableBytes()];
      p.data().readBytes(got);
      assertThat(got).hasSize(17);
      assertThat(Digest.of(got)).isEqualTo(big.pieceDigest(3));
      assertThat(p.objectSize()).isEqualTo(big.size());
    } finally {
      p.data().release();
    }
    assertThatThrownBy(() -> c.getPiece(Digest.of(new byte[] {1}), PS, 0).join())
        .isInstanceOf(CompletionException.class)
        .cause().isInstanceOfSatisfying(PeerException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
          assertThat(e.fatal()).isFalse();
        });
    Message.Piece again = c.getPiece(big.digest(), PS, 0).get(5, TimeUnit.SECONDS);
    assertThat(again.data().readableBytes()).isEqualTo(PS);
    again.data().release();
    // counted when the write completes, which may be just after the client holds the bytes
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
        .until(() -> server.uploadedBytes() == 17 + PS);
  }

  @Test
  void followersGetTheBitfieldThenHaves() throws Exception {
    List<Object> events = Collections.synchronizedList(new ArrayList<>());
    PeerConnection c = client.connect(address(), new PeerListener() {
      @Override
      public void onBitfield(PeerConnection peer, Digest m, int count, BitSet bits) {
        events.add(count + ":" + bits.cardinality());
      }

      @Override
      public void onHave(PeerConnection peer, Digest m, int index) {
        events.add("have " + index);
      }

      @Override
      public void onClosed(PeerConnection peer, Throwable cause) {}
    }).get(5, TimeUnit.SECONDS);
    Digest unknown = Digest.of(new byte[] {9});
    c.interested(release.id());
    c.interested(unknown);
    int count = io.wpsync.core.wire.PieceSpace.of(release.manifest).pieceCount();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 2);
    assertThat(events).containsExactly(count + ":" + count, "0:0");
  }

  @Test
  void clientWithAnotherSecretRefusesTheServerAndGetsNothing() {
    PeerAuth wrong = new PeerAuth(CLUSTER, "intruder", ClusterSecret.of("another-secret-0123456789abcdef-01234"));
    try (PeerClient bad = new PeerClient(PeerClientConfig.defaults(wrong).withIoThreads(1), new SimpleMeterRegistry())) {
      assertThatThrownBy(() -> bad.connect(address(), PeerListener.NONE).get(5, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause().isInstanceOfSatisfying(PeerException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.AUTH_FAILED));
    }
  }

  @Test
  void badClientProofIsAnsweredWithAuthFailedAndClose() throws Exception {
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(5000);
      write(s.getOutputStream(), hello(CLUSTER));
      assertThat(read(s.getInputStream())).isInstanceOf(Message.Challenge.class);
      write(s.getOutputStream(), new Message.Auth(new byte[32]));
      assertError(s.getInputStream(), ErrorCode.AUTH_FAILED);
    }
  }

  @Test
  void wrongClusterIsRefused() throws Exception {
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(5000);
      write(s.getOutputStream(), hello("other-cluster"));
      assertError(s.getInputStream(), ErrorCode.WRONG_CLUSTER);
    }
  }

  @Test
  void requestsBeforeAuthenticationGetNoContent() throws Exception {
    Digest object = big().digest();
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(5000);
      write(s.getOutputStream(), new Message.GetPiece(1, object, PS, 0));
      assertError(s.getInputStream(), ErrorCode.NOT_AUTHENTICATED);
    }
    try (Socket s = new Socket("127.0.0.1", server.port())) { // HELLO, then skip AUTH
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      write(out, hello(CLUSTER));
      write(out, new Message.GetPiece(1, object, PS, 0));
      write(out, new Message.Interested(release.id()));
      assertThat(read(s.getInputStream())).isInstanceOf(Message.Challenge.class);
      assertError(s.getInputStream(), ErrorCode.NOT_AUTHENTICATED);
    }
    assertThat(server.uploadedBytes()).isZero();
  }

  @Test
  void otherVersionOversizeFrameAndSilenceAreRefused() throws Exception {
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(5000);
      write(s.getOutputStream(), new Message.Hello(99, CLUSTER, "n", HandshakeProofs.newNonce()));
      assertError(s.getInputStream(), ErrorCode.UNSUPPORTED_VERSION);
    }
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(5000);
      s.getOutputStream().write(new byte[] {(byte) 0x7f, 0, 0, 0, 1});
      assertError(s.getInputStream(), ErrorCode.FRAME_TOO_LARGE);
    }
    try (Socket s = new Socket("127.0.0.1", server.port())) { // says nothing: handshake timeout
      s.setSoTimeout(15_000);
      assertError(s.getInputStream(), ErrorCode.HANDSHAKE_TIMEOUT);
    }
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> server.activeConnections() == 0);
  }

  @Test
  void clientRefusesAServerWithAnotherNodeId() {
    PeerAddress impostor = new PeerAddress("expected-node", "127.0.0.1", server.port(), false, null);
    assertThatThrownBy(() -> client.connect(impostor, PeerListener.NONE).get(5, TimeUnit.SECONDS))
        .cause().isInstanceOfSatisfying(PeerException.class,
            e -> assertThat(e.getMessage()).contains("expected node 'expected-node'"));
  }

  private static Message.Hello hello(String cluster) {
    return new Message.Hello(Frames.PROTOCOL_VERSION, cluster, "raw-client", HandshakeProofs.newNonce());
  }

  /** The next frame is ERROR(code), then the server closes; never a PIECE. */
  static void assertError(InputStream in, ErrorCode code) throws Exception {
    Message m = read(in);
    assertThat(m).isInstanceOfSatisfying(Message.Error.class, e -> assertThat(e.code()).isEqualTo(code));
    assertThat(read(in)).as("end of stream after ERROR").isNull();
  }
}
