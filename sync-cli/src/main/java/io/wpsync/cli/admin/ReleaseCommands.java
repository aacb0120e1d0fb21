package io.wpsync.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code wpsync release create|show} and {@code wpsync releases}. */
public final class ReleaseCommands {
  private ReleaseCommands() {}

  /** {@code wpsync release ...}. */
  @Command(name = "release", description = "Create or show a release.",
      subcommands = {Create.class, Show.class}, mixinStandardHelpOptions = true)
  public static final class Release {}

  /** Uploads a tree or bundle as a new release. */
  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Create a release from a wp-content directory (streamed as a tar) or a .tar/.tar.gz bundle.")
  public static final class Create extends AdminCommand {
    @Parameters(paramLabel = "DIR|BUNDLE", description = "wp-content directory or bundle file.")
    Path source;

    @Option(names = {"-m", "--message"}, description = "What changed (shown in the release history).")
    String message;

    @Option(names = "--author", defaultValue = "${env:USER}", description = "Who made it (default: $USER).")
    String author;

    @Override
    protected int call(AdminClient api) throws AdminException, InterruptedException {
      JsonNode r = api.createRelease(source, message, author, path -> true);
      if (options.json()) {
        printJson(r);
      } else {
        out().printf("created release %s (%s files, %s bytes, manifest %s)%n",
            r.path("id").asText(), r.path("fileCount").asText("?"), r.path("totalBytes").asText("?"),
            abbreviate(r.path("manifestId").asText()));
        JsonNode sum = r.path("diff").path("summary");
        if (!sum.isMissingNode()) {
          out().printf("  against %s: %d added, %d changed, %d removed%n", r.path("diff").path("from").asText(),
              sum.path("added").asInt(), sum.path("changed").asInt(), sum.path("removed").asInt());
        }
      }
      return 0;
    }
  }

  /** Shows one release. */
  @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one release and its diff to its parent.")
  public static final class Show extends AdminCommand {
    @Parameters(paramLabel = "RELEASE")
    String id;

    @Override
    protected int call(AdminClient api) throws AdminException, InterruptedException {
      JsonNode r = api.release(id);
      if (options.json()) {
        printJson(r);
        return 0;
      }
      out().printf("release %s%s%n", r.path("id").asText(), r.path("committed").asBoolean() ? " (committed)" : "");
      out().printf("  parent:   %s%n", r.path("parent").asText("-"));
      out().printf("  author:   %s%n", r.path("author").asText("-"));
      out().printf("  message:  %s%n", r.path("message").asText("-"));
      out().printf("  manifest: %s, %s files, %s%n", r.path("manifestId").asText(), r.path("fileCount").asText(),
          Sizes.bytes(r.path("totalBytes").asLong()));
      JsonNode d = r.path("diff");
      if (d.isMissingNode()) {
        out().printf("  diff:     %s%n", r.path("diffNote").asText("-"));
        return 0;
      }
      JsonNode sum = d.path("summary");
      out().printf("  diff from %s: %d added, %d changed, %d removed, %d mode changes (%s to transfer)%n",
          d.path("from").asText(), sum.path("added").asInt(), sum.path("changed").asInt(), sum.path("removed").asInt(),
          sum.path("modeChanged").asInt(), Sizes.bytes(sum.path("bytesToTransfer").asLong()));
      for (String kind : new String[] {"added", "changed", "removed", "modeChanged"}) {
        int n = 0;
        for (JsonNode path : d.path(kind)) {
          if (n++ == 20) {
            out().printf("    ... (%d more %s; --output json lists them)%n", d.path(kind).size() - 20, kind);
            break;
          }
          out().printf("    %s %s%n", switch (kind) { case "added" -> "+"; case "removed" -> "-"; default -> "~"; },
              path.asText());
        }
      }
      return 0;
    }
  }

  /** Lists releases. */
  @Command(name = "releases", mixinStandardHelpOptions = true, description = "List releases, newest first.")
  public static final class ListReleases extends AdminCommand {
    @Override
    protected int call(AdminClient api) throws AdminException, InterruptedException {
      JsonNode list = api.releases();
      if (options.json()) {
        printJson(list);
        return 0;
      }
      JsonNode items = list.isArray() ? list : list.path("releases");
      out().printf("%-14s %-8s %10s %14s  %s%n", "RELEASE", "FILES", "BYTES", "AUTHOR", "MESSAGE");
      for (JsonNode r : items) {
        out().printf("%-14s %-8s %10s %14s  %s%n", r.path("id").asText(), r.path("fileCount").asText(),
            r.path("totalBytes").asText(), r.path("author").asText(""), r.path("message").asText(""));
      }
      return 0;
    }
  }

  static String abbreviate(String digest) {
    return digest.length() > 19 ? digest.substring(0, 19) + "…" : digest;
  }
}
