package io.wpsync.agent.peer.server;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.wpsync.core.wire.MessageDecoder;
import io.wpsync.core.wire.MessageEncoder;
import java.util.concurrent.TimeUnit;

/** The pipeline of one peer connection, socket side first. */
final class PeerServerInitializer extends ChannelInitializer<SocketChannel> {
  private static final MessageEncoder ENCODER = new MessageEncoder();
  private final ServerContext context;

  PeerServerInitializer(ServerContext context) {
    this.context = context;
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    ChannelPipeline p = ch.pipeline();
    if (context.config().tls() != null) {
      // 1. TLS, when configured: everything below sees plaintext
      p.addLast("tls", context.config().tls().newHandler(ch.alloc()));
      // 2. with TLS, file pieces are read in chunks (ChunkedNioFile) instead of sendfile
      p.addLast("chunked", new ChunkedWriteHandler());
    }
    // 3. close authenticated connections that stay silent (the handshake has its own deadline)
    p.addLast("idle", new IdleStateHandler(
        context.config().idleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
    // 4. bytes -> frames -> messages; oversize or malformed frames raise ProtocolException
    p.addLast("decoder", new MessageDecoder());
    // 5. messages -> frames; a PIECE's data is passed through without copying
    p.addLast("encoder", ENCODER);
    // 6. handshake, then piece requests and availability subscriptions
    p.addLast("handler", new PeerServerHandler(context));
  }
}
