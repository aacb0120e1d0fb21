package io.wpsync.core.release;

/**
 * How a materialized release's files relate to the content store's objects.
 *
 * <p>Modes never carry setuid, setgid or sticky bits into a release: only the {@code 0777} bits
 * of a manifest mode are applied.
 */
public enum ReleaseMode {
  /**
   * The default: files are hard links to the store's objects, so a 20,000-file release costs a
   * few seconds and no extra disk. A hard link shares the object's inode and so its mode, 0444:
   * every write bit is dropped from files and directories, and a file whose resulting mode is not
   * 0444 (an executable, or a file not readable by all) is copied instead, with its own mode. If the
   * store is on another filesystem than the releases, files are copied (with a logged warning).
   *
   * <p>Weakness, by design: a process running as root ignores mode bits, so it could write into a
   * hard-linked file and thereby into the store object. WordPress must not run as root over a
   * READ_ONLY release; use {@link #LIVE} when it must write.
   */
  READ_ONLY,
  /**
   * Every file is an independent copy with the manifest's mode, directories keep their modes:
   * WordPress may write into the release, and no write can reach a store object.
   */
  LIVE;

  /** The mode a file with {@code manifestMode} gets in a release of this mode. */
  public int fileMode(int manifestMode) {
    return this == READ_ONLY ? manifestMode & 0555 : manifestMode & 0777;
  }

  /** The mode a directory with {@code manifestMode} gets in a release of this mode. */
  public int directoryMode(int manifestMode) {
    return this == READ_ONLY ? manifestMode & 0555 : manifestMode & 0777;
  }

  /** The mode of the release's top directory (the manifest has no entry for it). */
  public int rootMode() {
    return this == READ_ONLY ? 0555 : 0755;
  }

  /** True if a file with {@code manifestMode} is a hard link to its object in this mode. */
  public boolean linksFile(int manifestMode) {
    return this == READ_ONLY && fileMode(manifestMode) == 0444;
  }
}
