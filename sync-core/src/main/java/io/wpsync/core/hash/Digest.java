package io.wpsync.core.hash;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A SHA-256 digest: the identity of every object, piece and manifest in wpsync.
 *
 * <p>Immutable; {@link #equals} compares the 32 bytes. The text form is {@code sha256:<64 hex>},
 * as printed in manifests, logs and the REST API; {@link #parse} accepts it with or without the
 * prefix.
 *
 * <pre>{@code
 * Digest d = Digest.of("hello".getBytes(UTF_8));
 * Digest same = Digest.parse(d.toString());
 * }</pre>
 */
public final class Digest implements Comparable<Digest> {
  /** Length of a SHA-256 digest in bytes. */
  public static final int LENGTH = 32;
  private static final String PREFIX = "sha256:";
  private static final HexFormat HEX = HexFormat.of();

  private final byte[] bytes;
  private final int hash;

  private Digest(byte[] bytes) {
    this.bytes = bytes;
    this.hash = Arrays.hashCode(bytes);
  }

  /** Wraps a copy of 32 raw digest bytes. */
  public static Digest fromBytes(byte[] raw) {
    if (raw.length != LENGTH) {
      throw new IllegalArgumentException(
          String.format("a sha256 digest has %d bytes, got %d", LENGTH, raw.length));
    }
    return new Digest(raw.clone());
  }

  /** Parses {@code sha256:<hex>} or bare hex; throws {@link IllegalArgumentException} otherwise. */
  public static Digest parse(String text) {
    String hex = text.startsWith(PREFIX) ? text.substring(PREFIX.length()) : text;
    if (hex.length() != LENGTH * 2) {
      throw new IllegalArgumentException("not a sha256 digest: '" + text + "'");
    }
    try {
      return new Digest(HEX.parseHex(hex.toLowerCase(java.util.Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a sha256 digest: '" + text + "'", e);
    }
  }

  /** The digest of {@code data}. */
  public static Digest of(byte[] data) {
    return of(data, 0, data.length);
  }

  /** The digest of {@code data[offset, offset+length)}. */
  public static Digest of(byte[] data, int offset, int length) {
    MessageDigest md = newSha256();
    md.update(data, offset, length);
    return new Digest(md.digest());
  }

  /** A fresh SHA-256 {@link MessageDigest} (the JDK's, which uses the CPU's SHA extensions). */
  public static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  /** Finishes {@code md} into a digest. */
  public static Digest finish(MessageDigest md) {
    return new Digest(md.digest());
  }

  /** A copy of the 32 raw bytes. */
  public byte[] toBytes() {
    return bytes.clone();
  }

  /** Lower-case hex, without prefix (used for object file names). */
  public String hex() {
    return HEX.formatHex(bytes);
  }

  /** The first {@code n} hex characters, for log lines. */
  public String shortHex(int n) {
    return hex().substring(0, Math.min(n, LENGTH * 2));
  }

  /** Raw byte {@code i}, without copying. */
  public byte byteAt(int i) {
    return bytes[i];
  }

  @Override
  public int compareTo(Digest o) {
    return Arrays.compareUnsigned(bytes, o.bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Digest d && hash == d.hash && Arrays.equals(bytes, d.bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return PREFIX + hex();
  }
}
