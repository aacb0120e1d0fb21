package io.wpsync.agent.peer.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.wpsync.agent.peer.LocalAvailability;
import io.wpsync.agent.peer.RateLimitedLog;
import io.wpsync.core.store.ContentStore;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * The agent's piece server: authenticates peers and serves verified pieces from the store, by
 * digest only. Started bound; {@link #close()} stops accepting, closes every connection and frees
 * the threads.
 *
 * <pre>{@code
 * try (PeerServer server = PeerServer.start(PeerServerConfig.defaults("0.0.0.0", 7420, auth),
 *     store, availability, registry)) {
 *   ...
 * }
 * }</pre>
 */
public final class PeerServer implements Closeable {
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final Channel channel;
  private final ServerContext context;

  private PeerServer(EventLoopGroup boss, EventLoopGroup workers, Channel channel, ServerContext context) {
    this.boss = boss;
    this.workers = workers;
    this.channel = channel;
    this.context = context;
  }

  /** Binds and starts serving; throws if the port cannot be bound. */
  public static PeerServer start(PeerServerConfig config, ContentStore store,
      LocalAvailability availability, MeterRegistry registry) throws IOException {
    ServerContext context = new ServerContext(config, config.auth().proofs(), store, availability,
        new UploadSlots(config.maxUploads()), new SeedLedger(config.seedDedupWindow()),
        new ServerMetrics(registry),
        new RateLimitedLog(LoggerFactory.getLogger(PeerServerHandler.class), 30));
    EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1,
        new DefaultThreadFactory("peer-accept"), NioIoHandler.newFactory());
    EventLoopGroup workers = new MultiThreadIoEventLoopGroup(config.ioThreads(),
        new DefaultThreadFactory("peer-server"), NioIoHandler.newFactory());
    try {
      Channel ch = new ServerBootstrap()
          .group(boss, workers)
          .channel(NioServerSocketChannel.class)
          .option(ChannelOption.SO_BACKLOG, 1024)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
          .childHandler(new PeerServerInitializer(context))
          .bind(config.bindHost(), config.port())
          .sync()
          .channel();
      return new PeerServer(boss, workers, ch, context);
    } catch (Exception e) {
      boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw new IOException("cannot listen on " + config.bindHost() + ":" + config.port() + ": " + e, e);
    }
  }

  /** The bound port (useful with port 0). */
  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  /** Connections open right now. */
  public int activeConnections() {
    return context.metrics().active.get();
  }

  /** Piece bytes sent since start. */
  public long uploadedBytes() {
    return (long) context.metrics().uploadedBytes();
  }

  @Override
  public void close() {
    try {
      channel.close().syncUninterruptibly();
    } finally {
      boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
      workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }
}
