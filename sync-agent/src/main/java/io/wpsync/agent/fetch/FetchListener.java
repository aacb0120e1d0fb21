package io.wpsync.agent.fetch;

/** Progress of a swarm download; called from the download's thread, keep it quick. */
public interface FetchListener {
  /** The manifest is known: {@code total} pieces, of which {@code present} were already stored. */
  default void onStart(int total, int present) {}

  /** One more piece verified and stored; {@code done} of {@code total} now held. */
  default void onPiece(int done, int total, long bytes, boolean fromOrigin) {}

  /** A peer sent a piece that failed verification and is banned for this download. */
  default void onBanned(String peer, String reason) {}

  FetchListener NONE = new FetchListener() {};
}
