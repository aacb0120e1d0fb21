package io.wpsync.agent.rollout;

import io.wpsync.core.hash.Digest;
import io.wpsync.core.release.ReleaseMaterializer;
import java.io.IOException;
import java.util.Set;

/**
 * What a live agent ({@code --mode live}, WordPress writes into {@code current}) adds to the
 * release workspace so no local write is lost: new releases reuse the live tree's files, a switch
 * first checks the tree being left, retention keeps directories holding uncaptured writes, and
 * store GC keeps captured objects not yet in a release. Implemented by the local-change capture.
 */
public interface LiveTreeHooks {
  /** Files of the live tree a new release {@code releaseId} may hard-link instead of copying. */
  ReleaseMaterializer.Reuse reuseFor(String releaseId);

  /** {@code releases/<releaseId>} was just materialized (built with {@link #reuseFor}); it may become current. */
  void staged(String releaseId);

  /**
   * Runs {@code doSwitch} (which moves {@code current} from {@code from} to {@code to}) with the
   * capture paused: the tree being left is checked for uncaptured writes just before, the new tree
   * is watched from just before, the old one stays watched for a while after.
   */
  void aroundSwitch(String from, String to, SwitchAction doSwitch) throws IOException;

  /**
   * What the (not current, settled) release directory {@code releaseId} really holds, for recycling
   * it into the next release: from a rescan, or, if it stayed watched since it was last known and
   * nothing was seen to change, from that knowledge. Null if it cannot be told. The caller changes
   * the directory next: it is no longer watched after this call.
   */
  Holdings holds(String releaseId);

  /**
   * A release directory's content: {@code manifest} for what the capture looks at, and {@code
   * unlisted}, the relative paths of anything else the rescan saw there (excluded, linked, ...);
   * null if no rescan listed it (the recycler then lists every directory for leftovers).
   */
  record Holdings(io.wpsync.core.manifest.Manifest manifest, java.util.List<String> unlisted) {
    public Holdings {
      java.util.Objects.requireNonNull(manifest, "manifest");
      unlisted = unlisted == null ? null : java.util.List.copyOf(unlisted);
    }
  }

  /** Release directories retention must keep: they may hold writes not yet captured. */
  Set<String> uncaptured();

  /** Store objects (and manifests) captured but not referenced by a release directory yet. */
  Set<Digest> objectsToKeep();

  /** The switch itself. */
  @FunctionalInterface
  interface SwitchAction {
    void run() throws IOException;
  }
}
