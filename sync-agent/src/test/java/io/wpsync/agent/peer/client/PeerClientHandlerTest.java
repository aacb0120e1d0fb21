package io.wpsync.agent.peer.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.wpsync.agent.peer.PeerAddress;
import io.wpsync.agent.peer.PeerAuth;
import io.wpsync.core.hash.Digest;
import io.wpsync.core.wire.ClusterSecret;
import io.wpsync.core.wire.HandshakeProofs;
import io.wpsync.core.wire.Message;
import java.util.BitSet;
import org.junit.jupiter.api.Test;

class PeerClientHandlerTest {
  private static final ClusterSecret SECRET = ClusterSecret.of("0123456789abcdef0123456789abcdef-test-secret");

  private static final PeerListener QUIET = new PeerListener() {
    @Override
    public void onBitfield(PeerConnection peer, Digest manifestId, int pieceCount, BitSet bits) { }

    @Override
    public void onHave(PeerConnection peer, Digest manifestId, int index) { }

    @Override
    public void onClosed(PeerConnection peer, Throwable cause) { }
  };

  private static final PeerAddress SERVER = new PeerAddress("server", "127.0.0.1", 1, false, null);
  private static final HandshakeProofs SERVER_PROOFS = new PeerAuth("cluster", "server", SECRET).proofs();

  private static PeerClientHandler newHandler() {
    return new PeerClientHandler(PeerClientConfig.defaults(new PeerAuth("cluster", "client", SECRET)), SERVER);
  }

  /** Plays the server's side of the handshake on the channel, up to AUTH_OK. */
  private static void serverAccepts(EmbeddedChannel ch) {
    Message.Hello hello = ch.readOutbound();
    byte[] serverNonce = HandshakeProofs.newNonce();
    ch.writeInbound(new Message.Challenge("server", serverNonce,
        SERVER_PROOFS.serverProof(hello.nodeId(), "server", hello.nonce(), serverNonce)));
    assertThat((Object) ch.readOutbound()).isInstanceOf(Message.Auth.class);
    ch.writeInbound(new Message.AuthOk());
  }

  /**
   * On a fast loopback the event loop can finish the whole handshake before the connecting thread
   * has bound the connection object; the connection must still become ready (it used to complete
   * with null, so the download never saw the peer connected and stalled until its timeout).
   */
  @Test
  void aHandshakeFinishedBeforeTheConnectionIsBoundCompletesOnBind() {
    PeerClientHandler handler = newHandler();
    EmbeddedChannel ch = new EmbeddedChannel(handler);
    serverAccepts(ch);

    assertThat(handler.ready).isNotDone(); // authenticated, but nothing to hand out yet
    PeerConnection connection = new PeerConnection(SERVER, ch, handler, QUIET);
    handler.bind(connection);
    assertThat(handler.ready).isCompletedWithValue(connection);
    ch.finishAndReleaseAll();
  }

  @Test
  void aConnectionBoundFirstIsReadyWhenTheHandshakeEnds() {
    PeerClientHandler handler = newHandler();
    EmbeddedChannel ch = new EmbeddedChannel(handler);
    PeerConnection connection = new PeerConnection(SERVER, ch, handler, QUIET);
    handler.bind(connection);
    assertThat(handler.ready).isNotDone();

    serverAccepts(ch);

    assertThat(handler.ready).isCompletedWithValue(connection);
    ch.finishAndReleaseAll();
  }
}
