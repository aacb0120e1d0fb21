package io.wpsync.agent.peer.client;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.wpsync.agent.peer.PeerAddress;
import io.wpsync.core.hash.Digest;
import io.wpsync.core.wire.Message;
import java.io.Closeable;
import java.util.concurrent.CompletableFuture;

/**
 * An authenticated connection to one peer's server. Requests are pipelined: {@link #getPiece}
 * returns at once and the future completes with the PIECE (whose {@code data()} the caller must
 * release), or fails with {@link PeerException} (REJECT, or the connection failed) or a
 * {@link java.util.concurrent.TimeoutException}. Thread-safe.
 */
public final class PeerConnection implements Closeable {
  private final PeerAddress peer;
  private final Channel channel;
  private final PeerClientHandler handler;
  private final PeerListener listener;

  PeerConnection(PeerAddress peer, Channel channel, PeerClientHandler handler, PeerListener listener) {
    this.peer = peer;
    this.channel = channel;
    this.handler = handler;
    this.listener = listener;
  }

  public PeerAddress peer() {
    return peer;
  }

  PeerListener listener() {
    return listener;
  }

  /** Asks for piece {@code index} of {@code object} cut in {@code pieceSize}-byte pieces. */
  public CompletableFuture<Message.Piece> getPiece(Digest object, int pieceSize, int index) {
    CompletableFuture<Message.Piece> f = new CompletableFuture<>();
    ChannelHandlerContext ctx = channel.pipeline().context(handler);
    if (ctx == null) {
      f.completeExceptionally(new java.nio.channels.ClosedChannelException());
      return f;
    }
    channel.eventLoop().execute(() -> handler.request(ctx, object, pieceSize, index, f));
    return f;
  }

  /** Subscribes to BITFIELD and HAVE updates of a release (delivered to the listener). */
  public void interested(Digest manifestId) {
    channel.writeAndFlush(new Message.Interested(manifestId));
  }

  public boolean isOpen() {
    return channel.isActive();
  }

  /** Completes when the connection is closed. */
  public CompletableFuture<Void> closeFuture() {
    CompletableFuture<Void> f = new CompletableFuture<>();
    channel.closeFuture().addListener(x -> f.complete(null));
    return f;
  }

  @Override
  public void close() {
    channel.close();
  }

  @Override
  public String toString() {
    return "PeerConnection[" + peer + "]";
  }
}
