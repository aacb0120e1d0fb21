package io.wpsync.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code wpsync theme install ZIP} and {@code wpsync plugin install ZIP}: a new release that is the
 * committed release (or {@code --base}) with the theme or plugin from a WordPress {@code .zip}
 * installed under {@code themes/<slug>/} or {@code plugins/<slug>/}. Nothing is rolled out.
 */
public final class BundleCommands {
  private BundleCommands() {}

  /** {@code wpsync theme ...}. */
  @Command(name = "theme", description = "Install a WordPress theme .zip as a new release.",
      subcommands = {ThemeInstall.class}, mixinStandardHelpOptions = true)
  public static final class Theme {}

  /** {@code wpsync plugin ...}. */
  @Command(name = "plugin", description = "Install a WordPress plugin .zip as a new release.",
      subcommands = {PluginInstall.class}, mixinStandardHelpOptions = true)
  public static final class Plugin {}

  /** Shared by both install commands. */
  abstract static class Install extends AdminCommand {
    @Parameters(paramLabel = "ZIP", description = "The .zip as WordPress users download it: one directory named after the slug.")
    Path zip;

    @Option(names = "--base", paramLabel = "RELEASE",
        description = "Release to install into (default: the committed release).")
    String base;

    @Option(names = "--allow-stale-base",
        description = "Accept a --base that is neither the committed release nor built on it (the new release would undo what was committed since).")
    boolean allowStaleBase;

    @Option(names = {"-m", "--message"}, description = "What changed (default: install <kind> <slug>).")
    String message;

    @Option(names = "--author", defaultValue = "${env:USER}", description = "Who made it (default: $USER).")
    String author;

    abstract String kind();

    @Override
    protected int call(AdminClient api) throws AdminException, InterruptedException {
      JsonNode r = api.install(kind(), zip, base, message, author, allowStaleBase);
      if (options.json()) {
        printJson(r);
        return 0;
      }
      JsonNode sum = r.path("diff").path("summary");
      out().printf("created release %s: %s %s installed on %s (%d added, %d changed, %d removed; %s files, %s)%n",
          r.path("id").asText(), kind(), r.path("installed").path("slug").asText(), r.path("parent").asText("-"),
          sum.path("added").asInt(), sum.path("changed").asInt(), sum.path("removed").asInt(),
          r.path("fileCount").asText("?"), Sizes.bytes(r.path("totalBytes").asLong()));
      out().printf("roll it out with: wpsync rollout start %s --wait%n", r.path("id").asText());
      return 0;
    }
  }

  /** {@code wpsync theme install ZIP}. */
  @Command(name = "install", mixinStandardHelpOptions = true,
      description = "Create a release with the theme from ZIP under themes/<slug>/ (replacing an older version).")
  public static final class ThemeInstall extends Install {
    @Override
    String kind() {
      return "theme";
    }
  }

  /** {@code wpsync plugin install ZIP}. */
  @Command(name = "install", mixinStandardHelpOptions = true,
      description = "Create a release with the plugin from ZIP under plugins/<slug>/ (replacing an older version).")
  public static final class PluginInstall extends Install {
    @Override
    String kind() {
      return "plugin";
    }
  }
}
