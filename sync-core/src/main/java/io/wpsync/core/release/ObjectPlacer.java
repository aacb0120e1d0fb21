package io.wpsync.core.release;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts one store object at a path of a release being built: a hard link where the mode allows,
 * otherwise (or when linking fails) an independent copy.
 *
 * <p>Link failures other than a missing object fall back to a copy with a warning: EXDEV (the store
 * is on another filesystem or mount: after the first one, every later file is copied without
 * trying), EMLINK (an object already has the filesystem's maximum number of links, e.g. the many
 * identical {@code index.php} files of WordPress plugins across retained releases), EPERM
 * (protected hard links). Copies go through {@link FileChannel#transferTo}, kernel to kernel.
 */
final class ObjectPlacer {
  private static final Logger log = LoggerFactory.getLogger(ObjectPlacer.class);
  private final AtomicBoolean linkingBroken = new AtomicBoolean();
  private final Set<String> warnedReasons = ConcurrentHashMap.newKeySet();

  /**
   * Hard-links {@code object} at {@code target}; returns false (after a warning) if it had to copy
   * instead, in which case the caller fsyncs the copy.
   */
  boolean linkOrCopy(Path object, Path target, int copyMode) throws IOException {
    if (!linkingBroken.get()) {
      try {
        Files.createLink(target, object);
        return true;
      } catch (NoSuchFileException | FileAlreadyExistsException e) {
        throw e;
      } catch (FileSystemException | UnsupportedOperationException e) {
        String reason = e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.toString();
        boolean crossDevice = reason.contains("cross-device") || e instanceof UnsupportedOperationException;
        if (crossDevice) {
          linkingBroken.set(true);
        }
        String message = crossDevice
            ? "copying this and every further file (store on another filesystem than the releases?)"
            : "copying it (further files failing for the same reason are logged at debug level)";
        if (warnedReasons.add(reason)) {
          log.warn("cannot hard-link {} at {} ({}): {}", object, target, reason, message);
        } else {
          log.debug("cannot hard-link {} at {} ({}): copying it", object, target, reason);
        }
      }
    }
    copy(object, target, copyMode);
    return false;
  }

  /**
   * Places file entry {@code e} at the new path {@code target} as a release of {@code mode} wants
   * it: a hard link to {@code same} (the same content in another release) when given and linkable,
   * else a hard link to the store's 0444 object where the mode allows, else a copy of the object.
   * Returns true if it copied (the caller fsyncs the copy).
   */
  boolean placeFile(io.wpsync.core.manifest.ManifestEntry e, Path target, Path same,
      io.wpsync.core.store.ContentStore store, ReleaseMode mode) throws IOException {
    if (same != null && tryLink(same, target)) {
      return false;
    }
    Path object = store.objectPath(e.digest());
    int fileMode = mode.fileMode(e.mode());
    if (mode.linksFile(e.mode())) {
      return !linkOrCopy(object, target, fileMode);
    }
    copy(object, target, fileMode);
    return true;
  }

  /**
   * Hard-links an existing file (not a store object) at {@code target}; false if it vanished or
   * cannot be linked (the caller then copies the object instead).
   */
  boolean tryLink(Path existing, Path target) throws IOException {
    try {
      Files.createLink(target, existing);
      return true;
    } catch (FileAlreadyExistsException e) {
      throw e;
    } catch (FileSystemException | UnsupportedOperationException e) {
      log.debug("cannot hard-link {} at {} ({}): copying the object instead", existing, target, e.toString());
      return false;
    }
  }

  /** Copies {@code object} to a new file {@code target} with {@code mode}; the caller fsyncs it. */
  void copy(Path object, Path target, int mode) throws IOException {
    try (FileChannel in = FileChannel.open(object, StandardOpenOption.READ);
        FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      long size = in.size();
      long pos = 0;
      while (pos < size) {
        long n = in.transferTo(pos, size - pos, out);
        if (n <= 0) {
          throw new IOException(String.format("copy %s to %s: source ended at %d of %d bytes", object, target, pos, size));
        }
        pos += n;
      }
    }
    Files.setPosixFilePermissions(target, Modes.permissions(mode));
  }
}
