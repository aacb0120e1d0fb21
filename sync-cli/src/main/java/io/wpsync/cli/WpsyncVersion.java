package io.wpsync.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** The version printed by {@code wpsync --version}: the Maven version baked into the jar. */
public final class WpsyncVersion implements IVersionProvider {
  private static final String POM_PROPERTIES = "/META-INF/maven/io.wpsync/sync-cli/pom.properties";

  @Override
  public String[] getVersion() {
    return new String[] {"wpsync " + version(), "Java " + Runtime.version()};
  }

  /** The jar's version, or "development build" when run from classes. */
  public static String version() {
    try (InputStream in = WpsyncVersion.class.getResourceAsStream(POM_PROPERTIES)) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        return p.getProperty("version", "unknown");
      }
    } catch (IOException e) {
      // fall through: the version is informative only
    }
    return "development build";
  }
}
