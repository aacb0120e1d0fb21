package io.wpsync.coordinator.zk;

/**
 * A decision write failed its leader-epoch check: another coordinator has become leader since this
 * one took its fence, so this coordinator must stop deciding (stand down). Nothing was written.
 */
public final class FencedException extends Exception {
  private final Fence fence;

  public FencedException(Fence fence, String operation) {
    super(String.format("%s refused: the leader epoch moved past %d (held by %s); this coordinator was deposed",
        operation, fence.epoch(), fence.leaderId()));
    this.fence = fence;
  }

  public Fence fence() {
    return fence;
  }
}
