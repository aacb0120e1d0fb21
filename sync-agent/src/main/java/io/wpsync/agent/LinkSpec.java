package io.wpsync.agent;

import io.wpsync.core.manifest.PathRules;
import io.wpsync.core.manifest.UnsafePathException;
import java.nio.file.Path;

/**
 * A linked path ({@code --link NAME=PATH}): {@code releases/<id>/NAME} becomes a symlink to the
 * absolute directory {@code PATH}, shared by every release (e.g. {@code uploads=/mnt/uploads}).
 */
public record LinkSpec(String name, Path target) {
  public LinkSpec {
    try {
      PathRules.checkPath(name);
    } catch (UnsafePathException e) {
      throw new IllegalArgumentException("link name '" + name + "': " + e.getMessage(), e);
    }
    if (!target.isAbsolute()) {
      throw new IllegalArgumentException("link " + name + " must point to an absolute path, got '" + target + "'");
    }
  }

  /** Parses {@code NAME=PATH}. */
  public static LinkSpec parse(String text) {
    String t = text == null ? "" : text.strip();
    int eq = t.indexOf('=');
    if (eq <= 0 || eq == t.length() - 1) {
      throw new IllegalArgumentException("expected NAME=PATH such as uploads=/mnt/uploads, got '" + text + "'");
    }
    return new LinkSpec(t.substring(0, eq), Path.of(t.substring(eq + 1)));
  }

  @Override
  public String toString() {
    return name + "=" + target;
  }
}
