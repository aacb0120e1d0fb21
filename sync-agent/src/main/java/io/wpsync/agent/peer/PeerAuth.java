package io.wpsync.agent.peer;

import io.wpsync.core.wire.ClusterSecret;
import io.wpsync.core.wire.Frames;
import io.wpsync.core.wire.HandshakeProofs;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/** This node's identity in the peer handshake: cluster id, node id, and the cluster secret. */
public record PeerAuth(String clusterId, String nodeId, ClusterSecret secret) {
  public PeerAuth {
    Objects.requireNonNull(secret, "secret");
    checkId(clusterId, "cluster id");
    checkId(nodeId, "node id");
  }

  private static void checkId(String id, String what) {
    if (id == null || id.isEmpty() || id.getBytes(StandardCharsets.UTF_8).length > Frames.MAX_ID_LENGTH) {
      throw new IllegalArgumentException(what + " must be 1.." + Frames.MAX_ID_LENGTH + " bytes: '" + id + "'");
    }
  }

  /** Proof computation for this cluster. */
  public HandshakeProofs proofs() {
    return new HandshakeProofs(secret, clusterId);
  }
}
