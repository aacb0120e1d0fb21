package io.wpsync.agent.watch;

/**
 * How much of a tree a {@link TreeWatcher} watches.
 *
 * @param watched directories with a kernel watch
 * @param unwatched directories that could not get one (watch limit reached): changes there are
 *     found only by periodic rescans
 * @param overflows times the kernel dropped events (queue overflow): the next rescan covers them
 * @param reason why directories are unwatched (null if none are)
 */
public record WatchCoverage(int watched, int unwatched, long overflows, String reason) {
  /** True if every directory the rules reach is watched. */
  public boolean complete() {
    return unwatched == 0;
  }
}
