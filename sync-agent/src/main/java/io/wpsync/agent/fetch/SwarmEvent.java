package io.wpsync.agent.fetch;

import io.wpsync.agent.peer.client.PeerConnection;
import io.wpsync.core.hash.Digest;
import java.util.BitSet;

/** What happens to a download, delivered to its thread through one queue. */
sealed interface SwarmEvent {
  record Connected(RemotePeer peer) implements SwarmEvent {}

  record ConnectFailed(String peer, Throwable cause) implements SwarmEvent {}

  record Bitfield(PeerConnection from, Digest manifestId, int pieceCount, BitSet bits) implements SwarmEvent {}

  record Have(PeerConnection from, Digest manifestId, int index) implements SwarmEvent {}

  record Closed(PeerConnection from, Throwable cause) implements SwarmEvent {}

  /** A piece was received, verified and written. */
  record Stored(RemotePeer from, int index, int bytes) implements SwarmEvent {}

  /** A piece failed verification: ban its sender. */
  record Corrupt(RemotePeer from, int index, String why) implements SwarmEvent {}

  /** A request failed without proof of malice (reject, timeout, closed connection). */
  record Failed(RemotePeer from, int index, Throwable cause) implements SwarmEvent {}

  /** The local store failed (disk full, permissions): the download cannot go on. */
  record StoreFailed(Throwable cause) implements SwarmEvent {}

  /** An object whose pieces are all stored was completed (or failed to). */
  record ObjectDone(int object, Throwable failure) implements SwarmEvent {}
}
