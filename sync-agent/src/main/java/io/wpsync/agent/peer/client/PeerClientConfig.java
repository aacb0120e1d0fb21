package io.wpsync.agent.peer.client;

import io.netty.handler.ssl.SslContext;
import io.wpsync.agent.peer.PeerAuth;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link PeerClient}.
 *
 * @param auth this node's identity and the cluster secret
 * @param tls client TLS context, or null for plain TCP
 * @param connectTimeout TCP connect timeout
 * @param handshakeTimeout the whole handshake (TLS and HMAC) must finish within this
 * @param requestTimeout a piece request not answered within this fails with a timeout
 * @param ioThreads event-loop threads for all connections of the client
 */
public record PeerClientConfig(PeerAuth auth, SslContext tls, Duration connectTimeout,
    Duration handshakeTimeout, Duration requestTimeout, int ioThreads) {

  public PeerClientConfig {
    Objects.requireNonNull(auth, "auth");
    if (ioThreads < 1) {
      throw new IllegalArgumentException("io threads must be positive: " + ioThreads);
    }
  }

  /** Plain TCP, 5 s connect, 10 s handshake, 120 s per request. */
  public static PeerClientConfig defaults(PeerAuth auth) {
    return new PeerClientConfig(auth, null, Duration.ofSeconds(5), Duration.ofSeconds(10),
        Duration.ofSeconds(120), Math.max(1, Runtime.getRuntime().availableProcessors()));
  }

  public PeerClientConfig withTls(SslContext ctx) {
    return new PeerClientConfig(auth, ctx, connectTimeout, handshakeTimeout, requestTimeout, ioThreads);
  }

  public PeerClientConfig withRequestTimeout(Duration d) {
    return new PeerClientConfig(auth, tls, connectTimeout, handshakeTimeout, d, ioThreads);
  }

  public PeerClientConfig withIoThreads(int n) {
    return new PeerClientConfig(auth, tls, connectTimeout, handshakeTimeout, requestTimeout, n);
  }
}
