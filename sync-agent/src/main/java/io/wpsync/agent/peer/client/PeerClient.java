package io.wpsync.agent.peer.client;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.wpsync.agent.peer.PeerAddress;
import io.wpsync.core.wire.MessageDecoder;
import io.wpsync.core.wire.MessageEncoder;
import java.io.Closeable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Opens authenticated connections to peers' servers. One client (one set of event-loop threads)
 * serves any number of connections; {@link #close()} closes them all.
 *
 * <pre>{@code
 * try (PeerClient client = new PeerClient(PeerClientConfig.defaults(auth), registry)) {
 *   PeerConnection c = client.connect(peer, PeerListener.NONE).get();
 *   Message.Piece p = c.getPiece(object, pieceSize, 0).get();
 *   try { ... } finally { p.data().release(); }
 * }
 * }</pre>
 */
public final class PeerClient implements Closeable {
  private static final MessageEncoder ENCODER = new MessageEncoder();
  private final PeerClientConfig config;
  private final EventLoopGroup group;
  private final AtomicInteger active = new AtomicInteger();

  public PeerClient(PeerClientConfig config, MeterRegistry registry) {
    this.config = config;
    this.group = new MultiThreadIoEventLoopGroup(config.ioThreads(),
        new DefaultThreadFactory("peer-client"), NioIoHandler.newFactory());
    Gauge.builder("wpsync.peer.connections.active", active, AtomicInteger::get)
        .description("Open peer-protocol connections")
        .tag("side", "client")
        .register(registry);
  }

  /** Connects and authenticates; the future fails with {@link PeerException} or an I/O error. */
  public CompletableFuture<PeerConnection> connect(PeerAddress peer, PeerListener listener) {
    PeerClientHandler handler = new PeerClientHandler(config, peer);
    ChannelFuture cf = new Bootstrap()
        .group(group)
        .channel(NioSocketChannel.class)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout().toMillis())
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ChannelPipeline p = ch.pipeline();
            if (config.tls() != null) {
              p.addLast("tls", config.tls().newHandler(ch.alloc(), peer.host(), peer.port()));
            }
            p.addLast("decoder", new MessageDecoder());
            p.addLast("encoder", ENCODER);
            p.addLast("handler", handler);
          }
        })
        .connect(peer.host(), peer.port());
    Channel ch = cf.channel();
    PeerConnection connection = new PeerConnection(peer, ch, handler, listener);
    handler.bind(connection);
    active.incrementAndGet();
    ch.closeFuture().addListener(f -> active.decrementAndGet());
    cf.addListener(f -> {
      if (!f.isSuccess()) {
        handler.ready.completeExceptionally(f.cause());
      }
    });
    return handler.ready;
  }

  /** Connections open right now. */
  public int activeConnections() {
    return active.get();
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
