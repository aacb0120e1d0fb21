package io.wpsync.agent.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import java.io.Closeable;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP/1.1 server for the daemons' APIs: routes from a {@link Router}, bearer tokens from
 * {@link TokenAuth}, JSON and problem+json replies, uploads streamed to disk with a size limit.
 *
 * <p>Guarantees: authentication and size limits are checked from the request head, before any body
 * byte is stored; an upload never sits whole in memory; routes run on a worker pool so they may
 * block (ZooKeeper, disk) without stalling the event loop.
 *
 * <pre>{@code
 * try (HttpApiServer server = new HttpApiServer(Config.of("127.0.0.1", 8080, tmpDir), router, auth)) {
 *   server.start();
 * }
 * }</pre>
 */
public final class HttpApiServer implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(HttpApiServer.class);

  /**
   * Server settings.
   *
   * @param maxUploadBytes largest body of an upload route (413 beyond)
   * @param maxBodyBytes largest body of any other route, kept in memory
   */
  public record Config(String host, int port, Path uploadDir, long maxUploadBytes, int maxBodyBytes, int workers) {
    public static Config of(String host, int port, Path uploadDir) {
      return new Config(host, port, uploadDir, 1L << 30, 1 << 20, 16);
    }

    public Config withMaxUploadBytes(long max) {
      return new Config(host, port, uploadDir, max, maxBodyBytes, workers);
    }
  }

  private final Config config;
  private final Router router;
  private final TokenAuth auth;
  private EventLoopGroup boss;
  private EventLoopGroup workers;
  private ExecutorService routeExecutor;
  private Channel channel;

  public HttpApiServer(Config config, Router router, TokenAuth auth) {
    this.config = config;
    this.router = router;
    this.auth = auth;
  }

  /** Binds the port; returns once the server accepts connections. */
  public synchronized HttpApiServer start() throws InterruptedException, java.io.IOException {
    if (channel != null) {
      throw new IllegalStateException("already started");
    }
    Files.createDirectories(config.uploadDir());
    boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    workers = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    AtomicInteger n = new AtomicInteger();
    routeExecutor = Executors.newFixedThreadPool(config.workers(), r -> {
      Thread t = new Thread(r, "http-route-" + config.port() + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    ServerBootstrap b = new ServerBootstrap()
        .group(boss, workers)
        .channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 256)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline()
                // 1. close connections idle for 2 minutes (slow-loris protection)
                .addLast("idle", new IdleStateHandler(0, 0, 120, TimeUnit.SECONDS))
                // 2. HTTP/1.1 framing with bounded request line and headers
                .addLast("http", new HttpServerCodec(8192, 16384, 65536))
                // 3. routing, auth, body handling, dispatch to the route pool
                .addLast("api", new ApiRequestHandler(config, router, auth, routeExecutor));
          }
        });
    try {
      channel = b.bind(new InetSocketAddress(config.host(), config.port())).sync().channel();
    } catch (Exception e) {
      close();
      throw new java.io.IOException("cannot listen for HTTP on " + config.host() + ":" + config.port()
          + ": " + e.getMessage(), e);
    }
    log.info("HTTP API listening on {}", channel.localAddress());
    return this;
  }

  /** The bound port (useful with port 0). */
  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  /** {@code http://host:port}. */
  public String url() {
    return "http://" + config.host() + ":" + port();
  }

  @Override
  public synchronized void close() {
    if (channel != null) {
      channel.close().syncUninterruptibly();
      channel = null;
    }
    if (boss != null) {
      boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
      workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
      boss = null;
    }
    if (routeExecutor != null) {
      routeExecutor.shutdownNow();
      routeExecutor = null;
    }
  }
}
