package io.wpsync.agent.peer.client;

import io.wpsync.core.hash.Digest;
import java.util.BitSet;

/**
 * Availability news from one server connection. Called on the connection's event loop: implement
 * it quickly (e.g. hand the event to a queue).
 */
public interface PeerListener {
  /** The peer's full set of pieces of a release (replaces earlier ones); count 0 = unknown. */
  void onBitfield(PeerConnection peer, Digest manifestId, int pieceCount, BitSet bits);

  /** The peer gained one piece. */
  void onHave(PeerConnection peer, Digest manifestId, int index);

  /** The connection closed (for any reason); pending requests have failed. */
  void onClosed(PeerConnection peer, Throwable cause);

  /** A listener that ignores everything. */
  PeerListener NONE = new PeerListener() {
    @Override
    public void onBitfield(PeerConnection peer, Digest manifestId, int pieceCount, BitSet bits) {}

    @Override
    public void onHave(PeerConnection peer, Digest manifestId, int index) {}

    @Override
    public void onClosed(PeerConnection peer, Throwable cause) {}
  };
}
