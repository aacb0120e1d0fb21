package io.wpsync.agent.fetch;

import io.wpsync.agent.peer.PeerAddress;
import io.wpsync.agent.peer.client.PeerConnection;
import java.util.BitSet;

/** A download's state for one connected peer. Confined to the download's thread. */
final class RemotePeer {
  final PeerAddress address;
  final PeerConnection connection;
  BitSet bits = new BitSet();
  /** Piece count of the last BITFIELD (0: the peer does not know the manifest). */
  int pendingCount;
  int inFlight;
  long busyUntil;
  boolean closed;
  boolean banned;
  /** Something changed (a slot freed, a piece announced): worth a look by the scheduler. */
  boolean dirty;

  RemotePeer(PeerAddress address, PeerConnection connection) {
    this.address = address;
    this.connection = connection;
  }

  boolean usable(long now, int maxRequests) {
    return !closed && !banned && inFlight < maxRequests && busyUntil - now <= 0;
  }

  String name() {
    return address.toString();
  }
}
