package io.wpsync.core.scan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What {@code lstat} says about one path, taken in a single call: type and permission bits, size,
 * modification and status-change times (nanoseconds) and the inode identity.
 *
 * <p>Two equal stamps of a regular file mean "same content" unless the file was rewritten within
 * the file system's timestamp granularity; {@link ScanCache} guards that window. The change time
 * ({@code ctime}) is part of the stamp because {@code touch -d} can forge {@code mtime} but
 * nothing short of changing the clock can set {@code ctime} back.
 */
public record FileStamp(int mode, long size, long mtimeNanos, long ctimeNanos, long dev, long ino) {
  static final String ATTRIBUTES = "unix:mode,size,lastModifiedTime,ctime,dev,ino";
  private static final int S_IFMT = 0170000;
  private static final int S_IFREG = 0100000;
  private static final int S_IFDIR = 0040000;
  private static final int S_IFLNK = 0120000;

  /** Reads the stamp of {@code path} itself (a symlink is not followed). */
  public static FileStamp read(Path path) throws IOException {
    Map<String, Object> a = Files.readAttributes(path, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
    return new FileStamp(
        (Integer) a.get("mode"),
        (Long) a.get("size"),
        nanos((FileTime) a.get("lastModifiedTime")),
        nanos((FileTime) a.get("ctime")),
        (Long) a.get("dev"),
        (Long) a.get("ino"));
  }

  private static long nanos(FileTime t) {
    return t.to(TimeUnit.NANOSECONDS);
  }

  public boolean isRegularFile() {
    return (mode & S_IFMT) == S_IFREG;
  }

  public boolean isDirectory() {
    return (mode & S_IFMT) == S_IFDIR;
  }

  public boolean isSymlink() {
    return (mode & S_IFMT) == S_IFLNK;
  }

  /** The permission bits (including setuid, setgid and sticky). */
  public int permissions() {
    return mode & 07777;
  }

  /** A word for the file type, for messages: "file", "directory", "symlink", "fifo", ... */
  public String typeName() {
    return switch (mode & S_IFMT) {
      case S_IFREG -> "file";
      case S_IFDIR -> "directory";
      case S_IFLNK -> "symlink";
      case 0010000 -> "fifo";
      case 0020000 -> "character device";
      case 0060000 -> "block device";
      case 0140000 -> "socket";
      default -> String.format("file of type %o", mode & S_IFMT);
    };
  }
}
