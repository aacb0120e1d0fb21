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
  /** BITFIELDs received, and requests it answered NOT_FOUND or BUSY (for stall reports). */
  int bitfields;
  int notFound;
  int busy;

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

  /** What this peer told the download, for a stall report. */
  String describe() {
    return String.format("%s: %s, holds %d piece(s) (%d bitfield(s), last of %d pieces), %d not found, %d busy",
        name(), banned ? "banned" : closed ? "closed" : "connected", bits.cardinality(), bitfields, pendingCount,
        notFound, busy);
  }
}
