package io.wpsync.coordinator.proposal;

import java.util.Locale;

/**
 * {@code --capture-policy}: what happens to a local change a live agent proposes. {@link #APPROVE}
 * (the default) keeps it pending until an admin approves it, so a compromised WordPress pod cannot
 * push code to the whole fleet unnoticed; {@link #AUTO} rolls it out at once. Set it the same on
 * every coordinator replica: the one that receives a proposal applies it.
 */
public enum CapturePolicy {
  AUTO,
  APPROVE;

  public static CapturePolicy parse(String text) {
    String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
    return switch (t) {
      case "auto" -> AUTO;
      case "approve" -> APPROVE;
      default -> throw new IllegalArgumentException("capture policy must be auto or approve, got '" + text + "'");
    };
  }

  public String flagValue() {
    return name().toLowerCase(Locale.ROOT);
  }
}
