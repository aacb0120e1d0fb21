package io.wpsync.agent.peer.server;

import io.netty.handler.ssl.SslContext;
import io.wpsync.agent.peer.PeerAuth;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link PeerServer}.
 *
 * @param bindHost address to listen on ("0.0.0.0" for all)
 * @param port TCP port, 0 for an ephemeral one
 * @param auth this node's identity and the cluster secret
 * @param tls server TLS context, or null for plain TCP (then pieces go out as zero-copy regions)
 * @param maxUploadsPerPeer pieces in flight to one connection; requests beyond get REJECT BUSY
 * @param maxUploads pieces in flight over all connections; requests beyond get REJECT BUSY
 * @param handshakeTimeout a connection that has not authenticated by then is closed
 * @param idleTimeout an authenticated connection that sends nothing for this long is closed
 * @param seedDedupWindow for an origin: a piece served less than this long ago is refused to the
 *     next asker with ALREADY_SEEDED, so it spreads from peer to peer instead (zero disables)
 * @param ioThreads event-loop threads for connections
 */
public record PeerServerConfig(
    String bindHost, int port, PeerAuth auth, SslContext tls, int maxUploadsPerPeer, int maxUploads,
    Duration handshakeTimeout, Duration idleTimeout, Duration seedDedupWindow, int ioThreads) {

  public PeerServerConfig {
    Objects.requireNonNull(bindHost, "bindHost");
    Objects.requireNonNull(auth, "auth");
    if (maxUploadsPerPeer < 1 || maxUploads < 1 || ioThreads < 1) {
      throw new IllegalArgumentException(String.format(
          "upload caps (%d per peer, %d total) and io threads (%d) must be positive",
          maxUploadsPerPeer, maxUploads, ioThreads));
    }
  }

  /** Defaults: plain TCP, 8 uploads per peer, 64 in total, 10 s handshake, 5 min idle, no dedup. */
  public static PeerServerConfig defaults(String bindHost, int port, PeerAuth auth) {
    return new PeerServerConfig(bindHost, port, auth, null, 8, 64, Duration.ofSeconds(10),
        Duration.ofMinutes(5), Duration.ZERO, Math.max(1, Runtime.getRuntime().availableProcessors()));
  }

  public PeerServerConfig withTls(SslContext ctx) {
    return new PeerServerConfig(bindHost, port, auth, ctx, maxUploadsPerPeer, maxUploads,
        handshakeTimeout, idleTimeout, seedDedupWindow, ioThreads);
  }

  public PeerServerConfig withUploadCaps(int perPeer, int total) {
    return new PeerServerConfig(bindHost, port, auth, tls, perPeer, total,
        handshakeTimeout, idleTimeout, seedDedupWindow, ioThreads);
  }

  public PeerServerConfig withHandshakeTimeout(Duration d) {
    return new PeerServerConfig(bindHost, port, auth, tls, maxUploadsPerPeer, maxUploads,
        d, idleTimeout, seedDedupWindow, ioThreads);
  }

  /** An origin's setting: see {@code seedDedupWindow}. */
  public PeerServerConfig withSeedDedupWindow(Duration d) {
    return new PeerServerConfig(bindHost, port, auth, tls, maxUploadsPerPeer, maxUploads,
        handshakeTimeout, idleTimeout, d, ioThreads);
  }

  public PeerServerConfig withIoThreads(int n) {
    return new PeerServerConfig(bindHost, port, auth, tls, maxUploadsPerPeer, maxUploads,
        handshakeTimeout, idleTimeout, seedDedupWindow, n);
  }
}
