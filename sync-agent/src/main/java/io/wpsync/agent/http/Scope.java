package io.wpsync.agent.http;

/**
 * What a bearer token may do. {@code ADMIN} implies every scope; {@code CAPTURE} (what a WordPress
 * pod holds: read status and propose local changes) implies {@code READ}. {@code NONE} marks
 * public routes such as health probes.
 */
public enum Scope {
  NONE,
  READ,
  CAPTURE,
  ADMIN;

  /** True if a token granted {@code this} may call a route that requires {@code required}. */
  public boolean satisfies(Scope required) {
    return switch (required) {
      case NONE -> true;
      case READ -> this == READ || this == CAPTURE || this == ADMIN;
      case CAPTURE -> this == CAPTURE || this == ADMIN;
      case ADMIN -> this == ADMIN;
    };
  }
}
