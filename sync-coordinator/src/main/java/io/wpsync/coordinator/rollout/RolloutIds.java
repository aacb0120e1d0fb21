package io.wpsync.coordinator.rollout;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Rollout ids {@code ro-<yyyyMMdd-HHmmss>-<4 hex>} (UTC): they sort by creation time, which is how
 * the oldest records are found for pruning, and the random suffix keeps ids started in the same
 * second apart.
 */
public final class RolloutIds {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
  private static final SecureRandom RANDOM = new SecureRandom();

  private RolloutIds() {}

  public static String next(long nowMillis) {
    return String.format("ro-%s-%04x", TIME.format(Instant.ofEpochMilli(nowMillis)), RANDOM.nextInt(0x10000));
  }
}
