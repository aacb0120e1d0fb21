package io.wpsync.agent.rollout;

import java.io.IOException;
import java.util.Set;

/**
 * The agent's local releases as the convergence loop needs them: stage (fetch from peers, verify,
 * materialize {@code releases/<id>}, fsync), switch {@code current} atomically, discard a staged
 * release, and apply retention and store garbage collection. Called from one thread only.
 */
public interface ReleaseWorkspace {

  /** The release {@code current} points to, or null if none. */
  String current() throws IOException;

  /** True if {@code releases/<id>} is completely materialized and verified. */
  boolean isStaged(String releaseId) throws IOException;

  /**
   * Makes {@code releases/<releaseId>} complete: fetches what the store lacks, verifies every
   * digest, materializes, fsyncs. Idempotent; fast when already staged.
   *
   * @param manifestId the manifest of the release ({@code sha256:…})
   * @param deadlineMillis epoch millis after which the fetch gives up with {@link
   *     StageException.Cause#FETCH_TIMEOUT}
   */
  void stage(String releaseId, String manifestId, long deadlineMillis, FetchProgress progress)
      throws StageException, InterruptedException;

  /**
   * Points {@code current} at {@code releases/<releaseId>} in one atomic rename.
   *
   * @return the switch time (epoch millis)
   */
  long switchTo(String releaseId) throws IOException;

  /** Drops a staged release that will not become current (its directory may go at once). */
  void discard(String releaseId) throws IOException;

  /**
   * Applies retention (keep current, {@code pinned}, the previous release for its grace period, the
   * last K) and removes store objects no retained release references.
   */
  void cleanUp(Set<String> pinned) throws IOException;
}
