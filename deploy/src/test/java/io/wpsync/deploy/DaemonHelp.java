package io.wpsync.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The options a daemon really accepts, read from {@code java -jar sync-cli/target/wpsync.jar <command>
 * --help} (the jar the reactor builds before this module).
 */
final class DaemonHelp {
  private static final Map<String, Set<String>> CACHE = new ConcurrentHashMap<>();
  /** An option at the start of a help line: "  -h, --help", "      --data=DIR". */
  private static final Pattern OPTION = Pattern.compile("^\\s{1,8}(?:-[A-Za-z], )?(--[a-z0-9][a-z0-9-]*)");

  private DaemonHelp() {}

  static Path jar() {
    Path jar = Kustomize.repoDir().resolve("sync-cli/target/wpsync.jar");
    if (!Files.isRegularFile(jar)) {
      throw new AssertionError(jar + " is missing: build it first (mvn -pl sync-cli -am package -DskipTests;"
          + " `mvn verify` at the root builds it before this module)");
    }
    return jar;
  }

  /** Long option names of {@code wpsync <command>}, e.g. {@code --data}. */
  static Set<String> options(String command) {
    return CACHE.computeIfAbsent(command, DaemonHelp::read);
  }

  static Set<String> parse(String help) {
    Set<String> names = new TreeSet<>();
    for (String line : help.split("\n")) {
      Matcher m = OPTION.matcher(line);
      if (m.find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  private static Set<String> read(String command) {
    try {
      Path java = Path.of(System.getProperty("java.home"), "bin", "java");
      Process p = new ProcessBuilder(java.toString(), "-jar", jar().toString(), command, "--help")
          .redirectErrorStream(true)
          .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("wpsync " + command + " --help did not finish in 60 s");
      }
      if (p.exitValue() != 0) {
        throw new AssertionError("wpsync " + command + " --help exited " + p.exitValue() + ":\n" + out);
      }
      Set<String> names = parse(out);
      if (!names.contains("--help")) {
        throw new AssertionError("no options found in the help of wpsync " + command + ":\n" + out);
      }
      return names;
    } catch (IOException e) {
      throw new AssertionError("cannot run " + jar() + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
