package io.wpsync.agent.fetch;

import java.time.Duration;

/**
 * Settings of a swarm download.
 *
 * @param selfZone this agent's zone (peers in it are preferred), or null
 * @param maxPeers peers talked to at once (origins included): a bounded random subset of the list
 * @param maxRequestsPerPeer pipelined piece requests per peer
 * @param maxInFlightBytes bytes of requested-but-not-yet-stored pieces, over all peers (memory cap)
 * @param verifyThreads threads that hash and write pieces
 * @param seedDeferral after an origin answers ALREADY_SEEDED, it is not asked for that piece again
 *     for this long (another peer will announce it)
 * @param stallTimeout fail when no piece has arrived and none can be requested for this long
 * @param timeout the whole download must finish within this
 */
public record FetchConfig(String selfZone, int maxPeers, int maxRequestsPerPeer, long maxInFlightBytes,
    int verifyThreads, Duration seedDeferral, Duration stallTimeout, Duration timeout) {

  public FetchConfig {
    if (maxPeers < 1 || maxRequestsPerPeer < 1 || maxInFlightBytes < 1 || verifyThreads < 1) {
      throw new IllegalArgumentException(String.format(
          "maxPeers %d, maxRequestsPerPeer %d, maxInFlightBytes %d, verifyThreads %d must be positive",
          maxPeers, maxRequestsPerPeer, maxInFlightBytes, verifyThreads));
    }
  }

  /** 30 peers, 4 requests each, 64 MiB in flight, 2 verify threads, 3 s deferral, 60 s stall, 1 h. */
  public static FetchConfig defaults() {
    return new FetchConfig(null, 30, 4, 64L << 20, 2, Duration.ofSeconds(3), Duration.ofSeconds(60),
        Duration.ofHours(1));
  }

  public FetchConfig withZone(String zone) {
    return new FetchConfig(zone, maxPeers, maxRequestsPerPeer, maxInFlightBytes, verifyThreads,
        seedDeferral, stallTimeout, timeout);
  }

  public FetchConfig withMaxPeers(int n) {
    return new FetchConfig(selfZone, n, maxRequestsPerPeer, maxInFlightBytes, verifyThreads,
        seedDeferral, stallTimeout, timeout);
  }

  public FetchConfig withRequestsPerPeer(int n) {
    return new FetchConfig(selfZone, maxPeers, n, maxInFlightBytes, verifyThreads,
        seedDeferral, stallTimeout, timeout);
  }

  public FetchConfig withInFlightBytes(long n) {
    return new FetchConfig(selfZone, maxPeers, maxRequestsPerPeer, n, verifyThreads,
        seedDeferral, stallTimeout, timeout);
  }

  public FetchConfig withStallTimeout(Duration d) {
    return new FetchConfig(selfZone, maxPeers, maxRequestsPerPeer, maxInFlightBytes, verifyThreads,
        seedDeferral, d, timeout);
  }

  public FetchConfig withTimeout(Duration d) {
    return new FetchConfig(selfZone, maxPeers, maxRequestsPerPeer, maxInFlightBytes, verifyThreads,
        seedDeferral, stallTimeout, d);
  }
}
