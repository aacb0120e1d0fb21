package io.wpsync.agent.peer;

import java.util.Objects;

/**
 * Where a peer's transfer server listens. {@code nodeId} is the id the peer must prove in the
 * handshake (null accepts any authenticated node); {@code origin} marks a seed that holds the whole
 * release (the coordinator's store); {@code zone} is the failure/network zone, or null if unknown.
 */
public record PeerAddress(String nodeId, String host, int port, boolean origin, String zone) {
  public PeerAddress {
    Objects.requireNonNull(host, "host");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " outside 1..65535 for peer " + nodeId);
    }
  }

  @Override
  public String toString() {
    return (nodeId == null ? "?" : nodeId) + "@" + host + ":" + port + (origin ? "(origin)" : "");
  }
}
