package io.wpsync.agent.peer.client;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.wpsync.agent.peer.PeerAddress;
import io.wpsync.core.hash.Digest;
import io.wpsync.core.wire.ErrorCode;
import io.wpsync.core.wire.Frames;
import io.wpsync.core.wire.HandshakeProofs;
import io.wpsync.core.wire.Message;
import io.wpsync.core.wire.ProtocolException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Client side of one connection: runs the handshake (verifying the server's proof, and its node id
 * when one is expected, before proving ourselves), then matches PIECE/REJECT answers to pending
 * requests by request id and passes BITFIELD/HAVE to the {@link PeerListener}. All state is
 * confined to the channel's event loop, except {@link #bind}: the connection object is made by the
 * connecting thread, possibly after the event loop finished the handshake (on a fast loopback it
 * can), so {@link #ready} completes once both happened, whichever came last.
 */
final class PeerClientHandler extends SimpleChannelInboundHandler<Message> {
  private record Pending(CompletableFuture<Message.Piece> future, Digest object, int index,
      ScheduledFuture<?> timeout) {}

  private final PeerClientConfig config;
  private final PeerAddress peer;
  private final HandshakeProofs proofs;
  final CompletableFuture<PeerConnection> ready = new CompletableFuture<>();
  private final Map<Integer, Pending> pending = new HashMap<>();
  private volatile PeerConnection connection;
  private byte[] clientNonce;
  private volatile boolean authenticated;
  private int nextRequestId;
  private Throwable closeCause;

  PeerClientHandler(PeerClientConfig config, PeerAddress peer) {
    this.config = config;
    this.peer = peer;
    this.proofs = config.auth().proofs();
  }

  void bind(PeerConnection connection) {
    this.connection = connection;
    completeIfReady();
  }

  /**
   * Completes {@link #ready} when the handshake succeeded AND the connection is bound. Both sides
   * write their volatile, then read the other's: at least one of them sees both and completes.
   */
  private void completeIfReady() {
    PeerConnection c = connection;
    if (authenticated && c != null) {
      ready.complete(c);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    clientNonce = HandshakeProofs.newNonce();
    ctx.writeAndFlush(new Message.Hello(Frames.PROTOCOL_VERSION, config.auth().clusterId(),
        config.auth().nodeId(), clientNonce));
    ctx.executor().schedule(() -> {
      if (!authenticated) {
        abort(ctx, new PeerException(ErrorCode.HANDSHAKE_TIMEOUT, "no AUTH_OK from " + peer
            + " within " + config.handshakeTimeout().toMillis() + " ms", true));
      }
    }, config.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
    ctx.fireChannelActive();
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, Message msg) {
    if (msg instanceof Message.Error e) {
      abort(ctx, new PeerException(e.code(), peer + " closed the connection: " + e.text(), true));
    } else if (!authenticated) {
      onHandshake(ctx, msg);
    } else if (msg instanceof Message.Piece p) {
      onPiece(p);
    } else if (msg instanceof Message.Reject r) {
      Pending q = pending.remove(r.requestId());
      if (q != null) {
        q.timeout().cancel(false);
        q.future().completeExceptionally(new PeerException(r.code(),
            peer + " rejected piece " + q.index() + " of " + q.object().shortHex(12), false));
      }
    } else if (msg instanceof Message.Bitfield b) {
      connection.listener().onBitfield(connection, b.manifestId(), b.pieceCount(), b.bits());
    } else if (msg instanceof Message.Have h) {
      connection.listener().onHave(connection, h.manifestId(), h.index());
    } else {
      abort(ctx, new PeerException(ErrorCode.UNEXPECTED_MESSAGE, peer + " sent " + msg.type(), true));
    }
  }

  private void onHandshake(ChannelHandlerContext ctx, Message msg) {
    if (msg instanceof Message.Challenge c) {
      if (peer.nodeId() != null && !peer.nodeId().equals(c.nodeId())) {
        abort(ctx, new PeerException(ErrorCode.AUTH_FAILED,
            "expected node '" + peer.nodeId() + "' at " + peer.host() + ":" + peer.port()
                + ", found '" + c.nodeId() + "'", true));
        return;
      }
      String self = config.auth().nodeId();
      byte[] expected = proofs.serverProof(self, c.nodeId(), clientNonce, c.nonce());
      if (!HandshakeProofs.matches(expected, c.proof())) {
        abort(ctx, new PeerException(ErrorCode.AUTH_FAILED, peer
            + " did not prove the cluster secret (different secret?)", true));
        return;
      }
      ctx.writeAndFlush(new Message.Auth(proofs.clientProof(self, c.nodeId(), clientNonce, c.nonce())));
      clientNonce = null;
    } else if (msg instanceof Message.AuthOk && clientNonce == null) {
      authenticated = true;
      completeIfReady();
    } else {
      if (msg instanceof Message.Piece p) {
        p.data().release();
      }
      abort(ctx, new PeerException(ErrorCode.UNEXPECTED_MESSAGE,
          peer + " sent " + msg.type() + " during the handshake", true));
    }
  }

  private void onPiece(Message.Piece p) {
    Pending q = pending.remove(p.requestId());
    if (q == null) {
      p.data().release(); // answer to a request that timed out
      return;
    }
    q.timeout().cancel(false);
    if (!q.object().equals(p.object()) || q.index() != p.index()) {
      p.data().release();
      q.future().completeExceptionally(new PeerException(ErrorCode.MALFORMED_FRAME, peer
          + " answered request for piece " + q.index() + " with piece " + p.index() + " of "
          + p.object().shortHex(12), false));
      return;
    }
    if (!q.future().complete(p)) {
      p.data().release();
    }
  }

  /** Sends a request; runs on the event loop. */
  void request(ChannelHandlerContext ctx, Digest object, int pieceSize, int index,
      CompletableFuture<Message.Piece> future) {
    if (closeCause != null || !ctx.channel().isActive()) {
      future.completeExceptionally(closeCause != null ? closeCause : new ClosedChannelException());
      return;
    }
    int id = nextRequestId++;
    ScheduledFuture<?> timeout = ctx.executor().schedule(() -> {
      Pending q = pending.remove(id);
      if (q != null) {
        q.future().completeExceptionally(new TimeoutException("piece " + index + " of "
            + object.shortHex(12) + " from " + peer + " not received within "
            + config.requestTimeout().toMillis() + " ms"));
      }
    }, config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    pending.put(id, new Pending(future, object, index, timeout));
    ctx.writeAndFlush(new Message.GetPiece(id, object, pieceSize, index));
  }

  int pendingCount() {
    return pending.size();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    Throwable cause = closeCause != null ? closeCause
        : new PeerException(ErrorCode.INTERNAL, "connection to " + peer + " closed", true);
    closeCause = cause;
    ready.completeExceptionally(cause);
    for (Pending q : pending.values()) {
      q.timeout().cancel(false);
      q.future().completeExceptionally(cause);
    }
    pending.clear();
    if (connection != null) {
      connection.listener().onClosed(connection, cause);
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof ProtocolException p) {
      PeerException e = new PeerException(p.code(), peer + " sent a bad frame: " + p.getMessage(), true);
      if (closeCause == null) {
        closeCause = e;
      }
      ctx.writeAndFlush(new Message.Error(p.code(), p.detail())).addListener(ChannelFutureListener.CLOSE);
    } else {
      abort(ctx, cause instanceof IOException ? cause : new IOException(cause));
    }
  }

  private void abort(ChannelHandlerContext ctx, Throwable cause) {
    if (closeCause == null) {
      closeCause = cause;
    }
    ctx.close();
  }
}
