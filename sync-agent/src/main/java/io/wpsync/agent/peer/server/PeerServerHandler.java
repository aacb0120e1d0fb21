package io.wpsync.agent.peer.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.store.ContentStore.PieceLocation;
import io.wpsync.core.wire.ErrorCode;
import io.wpsync.core.wire.Frames;
import io.wpsync.core.wire.HandshakeProofs;
import io.wpsync.core.wire.Message;
import io.wpsync.core.wire.MessageCodec;
import io.wpsync.core.wire.ProtocolException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One peer connection on the server side: HELLO → CHALLENGE → AUTH → AUTH_OK, then GET_PIECE and
 * INTERESTED. Nothing but the handshake is accepted before AUTH_OK. Any violation is answered with
 * ERROR(code) and a close; the server itself is unaffected.
 *
 * <p>Backpressure: at most {@code maxUploadsPerPeer} pieces are in flight per connection and
 * {@code maxUploads} per server (beyond: REJECT BUSY), and the connection stops reading while its
 * outbound buffer is above the high-water mark, so memory stays bounded whatever peers send.
 */
final class PeerServerHandler extends SimpleChannelInboundHandler<Message> {
  private enum State { AWAIT_HELLO, AWAIT_AUTH, READY, CLOSING }

  private final ServerContext context;
  private State state = State.AWAIT_HELLO;
  private Message.Hello hello;
  private byte[] serverNonce;
  private int inFlight;
  private ScheduledFuture<?> handshakeDeadline;

  PeerServerHandler(ServerContext context) {
    this.context = context;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    context.metrics().active.incrementAndGet();
    handshakeDeadline = ctx.executor().schedule(() -> {
      if (state != State.READY) {
        fail(ctx, ErrorCode.HANDSHAKE_TIMEOUT, "no authentication within "
            + context.config().handshakeTimeout().toMillis() + " ms");
      }
    }, context.config().handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    context.metrics().active.decrementAndGet();
    if (handshakeDeadline != null) {
      handshakeDeadline.cancel(false);
    }
    ctx.fireChannelInactive();
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, Message msg) {
    switch (state) {
      case AWAIT_HELLO -> onHello(ctx, msg);
      case AWAIT_AUTH -> onAuth(ctx, msg);
      case READY -> onRequest(ctx, msg);
      case CLOSING -> { } // ignore whatever arrives after we decided to close
    }
    if (msg instanceof Message.Piece p) {
      p.data().release();
    }
  }

  private void onHello(ChannelHandlerContext ctx, Message msg) {
    if (!(msg instanceof Message.Hello h)) {
      fail(ctx, ErrorCode.NOT_AUTHENTICATED, msg.type() + " before the handshake");
      return;
    }
    if (h.version() != Frames.PROTOCOL_VERSION) {
      fail(ctx, ErrorCode.UNSUPPORTED_VERSION,
          "protocol version " + h.version() + " (this server speaks " + Frames.PROTOCOL_VERSION + ")");
      return;
    }
    if (!h.clusterId().equals(context.proofs().clusterId())) {
      fail(ctx, ErrorCode.WRONG_CLUSTER, "cluster '" + h.clusterId() + "' is not '"
          + context.proofs().clusterId() + "'");
      return;
    }
    hello = h;
    serverNonce = HandshakeProofs.newNonce();
    String self = context.config().auth().nodeId();
    byte[] proof = context.proofs().serverProof(h.nodeId(), self, h.nonce(), serverNonce);
    state = State.AWAIT_AUTH;
    ctx.writeAndFlush(new Message.Challenge(self, serverNonce, proof));
  }

  private void onAuth(ChannelHandlerContext ctx, Message msg) {
    if (!(msg instanceof Message.Auth a)) {
      fail(ctx, ErrorCode.NOT_AUTHENTICATED, msg.type() + " before authentication completed");
      return;
    }
    byte[] expected = context.proofs().clientProof(
        hello.nodeId(), context.config().auth().nodeId(), hello.nonce(), serverNonce);
    if (!HandshakeProofs.matches(expected, a.proof())) {
      fail(ctx, ErrorCode.AUTH_FAILED, "client proof of node '" + hello.nodeId() + "' does not verify");
      return;
    }
    state = State.READY;
    handshakeDeadline.cancel(false);
    ctx.writeAndFlush(new Message.AuthOk());
  }

  private void onRequest(ChannelHandlerContext ctx, Message msg) {
    if (msg instanceof Message.GetPiece g) {
      onGetPiece(ctx, g);
    } else if (msg instanceof Message.Interested i) {
      context.availability().subscribe(i.manifestId(), ctx.channel());
    } else {
      fail(ctx, ErrorCode.UNEXPECTED_MESSAGE, msg.type() + " is not a request");
    }
  }

  private void onGetPiece(ChannelHandlerContext ctx, Message.GetPiece g) {
    if (g.pieceSize() < Manifest.MIN_PIECE_SIZE || g.pieceSize() > Manifest.MAX_PIECE_SIZE) {
      fail(ctx, ErrorCode.MALFORMED_FRAME, "piece size " + g.pieceSize() + " outside ["
          + Manifest.MIN_PIECE_SIZE + ", " + Manifest.MAX_PIECE_SIZE + "]");
      return;
    }
    boolean manifest = context.availability().isManifest(g.object());
    // a manifest (small, and needed before anything else) is exempt from the server-wide cap
    if (inFlight >= context.config().maxUploadsPerPeer() || (!manifest && !context.slots().tryAcquire())) {
      reject(ctx, g, ErrorCode.BUSY);
      return;
    }
    if (manifest) {
      context.slots().forceAcquire();
    }
    boolean seeded = false;
    try {
      if (!manifest) {
        if (!context.ledger().tryServe(g.object(), g.index())) {
          context.slots().release();
          reject(ctx, g, ErrorCode.ALREADY_SEEDED);
          return;
        }
        seeded = true;
      }
      Optional<Opened> opened = open(g);
      if (opened.isEmpty()) {
        context.slots().release();
        if (seeded) {
          context.ledger().unserve(g.object(), g.index());
        }
        reject(ctx, g, ErrorCode.NOT_FOUND);
        return;
      }
      send(ctx, g, opened.get(), seeded);
    } catch (IOException | RuntimeException e) {
      context.slots().release();
      if (seeded) {
        context.ledger().unserve(g.object(), g.index());
      }
      context.log().warn("serving piece {} of {} to {} failed: {}", g.index(), g.object(),
          ctx.channel().remoteAddress(), e.toString());
      reject(ctx, g, ErrorCode.NOT_FOUND);
    }
  }

  /**
   * A located piece with its file opened (so a later rename or GC cannot pull it away); the object
   * size is 0 when only a partial copy is held.
   */
  private record Opened(FileChannel file, PieceLocation location, long objectSize) {}

  private Optional<Opened> open(Message.GetPiece g) throws IOException {
    for (int attempt = 0; attempt < 2; attempt++) {
      Optional<PieceLocation> loc = context.store().locatePiece(g.object(), g.pieceSize(), g.index());
      if (loc.isEmpty()) {
        return Optional.empty();
      }
      long objectSize = context.store().contains(g.object()) ? context.store().size(g.object()) : 0;
      try {
        FileChannel fc = FileChannel.open(loc.get().file(), StandardOpenOption.READ);
        return Optional.of(new Opened(fc, loc.get(), objectSize));
      } catch (NoSuchFileException e) {
        // a partial object was completed (moved) between locate and open: locate again
      }
    }
    return Optional.empty();
  }

  private void send(ChannelHandlerContext ctx, Message.GetPiece g, Opened o, boolean seeded)
      throws IOException {
    PieceLocation loc = o.location();
    ByteBuf header = MessageCodec.pieceHeader(ctx.alloc(), g.requestId(), g.object(), g.index(),
        o.objectSize(), loc.length());
    Object body = context.config().tls() == null
        ? new DefaultFileRegion(o.file(), loc.offset(), loc.length())
        : new ChunkedNioFile(o.file(), loc.offset(), loc.length(), 64 * 1024);
    inFlight++;
    ctx.write(header);
    ctx.writeAndFlush(body).addListener((ChannelFutureListener) f -> {
      inFlight--;
      context.slots().release();
      if (f.isSuccess()) {
        context.metrics().uploaded(loc.length());
      } else {
        if (seeded) {
          context.ledger().unserve(g.object(), g.index());
        }
        if (body instanceof ChunkedNioFile c) {
          c.close();
        }
      }
    });
    if (!ctx.channel().isWritable()) {
      ctx.channel().config().setAutoRead(false);
    }
  }

  private void reject(ChannelHandlerContext ctx, Message.GetPiece g, ErrorCode code) {
    context.metrics().rejected(code);
    ctx.writeAndFlush(new Message.Reject(g.requestId(), code));
    if (!ctx.channel().isWritable()) {
      ctx.channel().config().setAutoRead(false);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable()) {
      ctx.channel().config().setAutoRead(true);
      context.availability().drained(ctx.channel());
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent) {
      ctx.close();
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof ProtocolException p) {
      fail(ctx, p.code(), p.detail());
    } else if (cause instanceof IOException) {
      ctx.close(); // connection reset and the like: nothing to tell the peer
    } else {
      fail(ctx, ErrorCode.INTERNAL, cause.toString());
    }
  }

  /** Sends ERROR(code), logs (rate-limited), and closes once the error is written. */
  private void fail(ChannelHandlerContext ctx, ErrorCode code, String why) {
    if (state == State.CLOSING) {
      return;
    }
    state = State.CLOSING;
    ctx.channel().config().setAutoRead(false);
    context.metrics().protocolError(code);
    context.log().warn("closing peer connection from {}: {} ({})", ctx.channel().remoteAddress(), code, why);
    ctx.writeAndFlush(new Message.Error(code, why)).addListener(ChannelFutureListener.CLOSE);
  }
}
