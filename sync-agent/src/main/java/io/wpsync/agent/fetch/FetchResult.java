package io.wpsync.agent.fetch;

import io.wpsync.core.hash.Digest;
import java.time.Duration;
import java.util.Set;

/**
 * The outcome of a finished download: every object of the manifest (and the manifest) is complete
 * and verified in the store.
 *
 * @param piecesFetched pieces received over the network in this run
 * @param piecesPresent pieces already stored when the run began (resumed or shared content)
 * @param bytesFromPeers piece bytes received from non-origin peers
 * @param bytesFromOrigin piece bytes received from origins
 * @param banned peers banned for sending bad pieces
 */
public record FetchResult(Digest manifestId, int pieceCount, int piecesFetched, int piecesPresent,
    long bytesFromPeers, long bytesFromOrigin, Set<String> banned, Duration duration) {

  public long bytesFetched() {
    return bytesFromPeers + bytesFromOrigin;
  }
}
