package io.wpsync.core.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The few durable-write primitives the store and the release switch are built from.
 *
 * <p>{@link #writeAtomically} is the one way small metadata files are written: a temporary file
 * in a directory of the same filesystem, optionally fsynced, renamed over the target (so a reader
 * sees the old or the new content, never a torn one), then the target's directory optionally
 * fsynced (so the rename survives a power loss).
 */
public final class Durable {
  private Durable() {}

  /** fsyncs a regular file's data and metadata. */
  public static void force(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  /** fsyncs a directory, making the creations, renames and deletions in it durable (Linux). */
  public static void forceDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  /** Writes all of {@code data} at {@code position}, looping over short writes. */
  public static void writeFully(FileChannel ch, ByteBuffer data, long position) throws IOException {
    long pos = position;
    while (data.hasRemaining()) {
      pos += ch.write(data, pos);
    }
  }

  /**
   * Replaces {@code target} with {@code content} atomically.
   *
   * @param tmpDir a directory on the same filesystem as {@code target} for the temporary file
   * @param durable fsync the file before and its directory after the rename; without it the
   *     replacement is still atomic for readers, but may be lost (old content back) on power loss
   */
  public static void writeAtomically(Path target, byte[] content, Path tmpDir, boolean durable)
      throws IOException {
    Path temp = Files.createTempFile(tmpDir, "." + target.getFileName() + "-", ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        writeFully(ch, ByteBuffer.wrap(content), 0);
        if (durable) {
          ch.force(true);
        }
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      if (durable) {
        forceDirectory(target.getParent());
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
