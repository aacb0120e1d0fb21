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

  /**
   * On a fast loopback the event loop can finish the whole handshake before the connecting thread
   * has bound the connection object; the connection must still become ready (it used to complete
   * with null, so the download never saw the peer connected and stalled until its timeout).
   */
  @Test
  void aHandshakeFinishedBeforeTheConnectionIsBoundCompletesOnBind() {
    PeerAuth clientAuth = new PeerAuth("cluster", "client", SECRET);
    HandshakeProofs serverProofs = new PeerAuth("cluster", "server", SECRET).proofs();
    PeerAddress server = new PeerAddress("server", "127.0.0.1", 1, false, null);
    PeerClientHandler handler = new PeerClientHandler(PeerClientConfig.defaults(clientAuth), server);
    EmbeddedChannel ch = new EmbeddedChannel(handler);

    Message.Hello hello = ch.readOutbound();
    byte[] serverNonce = HandshakeProofs.newNonce();
    ch.writeInbound(new Message.Challenge("server", serverNonce,
        serverProofs.serverProof(hello.nodeId(), "server", hello.nonce(), serverNonce)));
    assertThat((Object) ch.readOutbound()).isInstanceOf(Message.Auth.class);
    ch.writeInbound(new Message.AuthOk());

    assertThat(handler.ready).isNotDone(); // authenticated, but nothing to hand out yet
    PeerConnection connection = new PeerConnection(server, ch, handler, QUIET);
    handler.bind(connection);
    assertThat(handler.ready).isCompletedWithValue(connection);
    ch.finishAndReleaseAll();
  }

  @Test
  void aConnectionBoundFirstIsReadyWhenTheHandshakeEnds() {
    PeerAuth clientAuth = new PeerAuth("cluster", "client", SECRET);
    HandshakeProofs serverProofs = new PeerAuth("cluster", "server", SECRET).proofs();
    PeerAddress server = new PeerAddress("server", "127.0.0.1", 1, false, null);
    PeerClientHandler handler = new PeerClientHandler(PeerClientConfig.defaults(clientAuth), server);
    EmbeddedChannel ch = new EmbeddedChannel(handler);
    PeerConnection connection = new PeerConnection(server, ch, handler, QUIET);
    handler.bind(connection);
    assertThat(handler.ready).isNotDone();

    Message.Hello hello = ch.readOutbound();
    byte[] serverNonce = HandshakeProofs.newNonce();
    ch.writeInbound(new Message.Challenge("server", serverNonce,
        serverProofs.serverProof(hello.nodeId(), "server", hello.nonce(), serverNonce)));
    ch.writeInbound(new Message.AuthOk());

    assertThat(handler.ready).isCompletedWithValue(connection);
    ch.finishAndReleaseAll();
  }
}
