package io.wpsync.core.wire;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * The shared secret that peers of one cluster prove they know (HMAC-SHA256 key). Read from a file
 * (a mounted Kubernetes Secret) or an environment variable; one trailing newline is ignored; at
 * least {@link #MIN_LENGTH} bytes are required so the key cannot be guessed. {@link #toString()}
 * never reveals it.
 */
public final class ClusterSecret {
  /** Minimum secret length in bytes (e.g. {@code openssl rand -base64 32} gives 44). */
  public static final int MIN_LENGTH = 32;

  private final byte[] key;

  private ClusterSecret(byte[] key) {
    if (key.length < MIN_LENGTH) {
      throw new IllegalArgumentException(String.format(
          "cluster secret is %d bytes; at least %d are required (generate one with "
              + "'openssl rand -base64 32')", key.length, MIN_LENGTH));
    }
    this.key = key;
  }

  /** A secret from raw bytes (copied). */
  public static ClusterSecret of(byte[] key) {
    return new ClusterSecret(key.clone());
  }

  /** A secret from the UTF-8 bytes of {@code text}. */
  public static ClusterSecret of(String text) {
    return new ClusterSecret(stripNewline(text.getBytes(StandardCharsets.UTF_8)));
  }

  /** Reads the secret file; throws with the path in the message if it is missing or too short. */
  public static ClusterSecret fromFile(Path file) throws IOException {
    byte[] raw = Files.readAllBytes(file);
    try {
      return new ClusterSecret(stripNewline(raw));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  /** Reads environment variable {@code name} from {@code env} (pass {@code System.getenv()}). */
  public static ClusterSecret fromEnv(Map<String, String> env, String name) {
    String v = env.get(name);
    if (v == null || v.isEmpty()) {
      throw new IllegalArgumentException("environment variable " + name + " (cluster secret) is not set");
    }
    try {
      return of(v);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("$" + name + ": " + e.getMessage(), e);
    }
  }

  private static byte[] stripNewline(byte[] raw) {
    int n = raw.length;
    if (n > 0 && raw[n - 1] == '\n') {
      n--;
      if (n > 0 && raw[n - 1] == '\r') {
        n--;
      }
    }
    return Arrays.copyOf(raw, n);
  }

  /** The HMAC key; package-private so it never leaves the handshake code. */
  byte[] key() {
    return key;
  }

  @Override
  public String toString() {
    return "ClusterSecret[" + key.length + " bytes]";
  }
}
