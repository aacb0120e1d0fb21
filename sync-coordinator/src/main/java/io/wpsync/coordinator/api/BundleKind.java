package io.wpsync.coordinator.api;

import java.util.Locale;

/**
 * What a WordPress {@code .zip} bundle installs, and where in wp-content: a theme under {@code
 * themes/<slug>/}, a plugin under {@code plugins/<slug>/}.
 */
public enum BundleKind {
  THEME("themes", "Theme Name"),
  PLUGIN("plugins", "Plugin Name");

  private final String directory;
  private final String header;

  BundleKind(String directory, String header) {
    this.directory = directory;
    this.header = header;
  }

  /** The wp-content directory that holds bundles of this kind ({@code themes} or {@code plugins}). */
  public String directory() {
    return directory;
  }

  /** The file header WordPress reads to recognise one ({@code Theme Name} or {@code Plugin Name}). */
  public String header() {
    return header;
  }

  /** {@code theme} or {@code plugin}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The release path a bundle with {@code slug} replaces, e.g. {@code themes/twentytwentyfour}. */
  public String pathOf(String slug) {
    return directory + "/" + slug;
  }
}
