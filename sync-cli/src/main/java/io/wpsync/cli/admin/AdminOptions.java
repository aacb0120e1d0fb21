package io.wpsync.cli.admin;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every admin command shares: where the coordinator is, the token, the output format. */
public final class AdminOptions {
  /** How results are printed. */
  public enum Output { text, json }

  @Option(names = "--server", defaultValue = "${env:WPSYNC_SERVER:-http://127.0.0.1:8080}",
      description = "Coordinator URL (env WPSYNC_SERVER; default ${DEFAULT-VALUE}).")
  String server;

  @Option(names = "--token", defaultValue = "${env:WPSYNC_TOKEN}",
      description = "API bearer token (env WPSYNC_TOKEN). Prefer --token-file on shared machines.")
  String token;

  @Option(names = "--token-file", defaultValue = "${env:WPSYNC_TOKEN_FILE}",
      description = "File whose first token is used (a bare token, or '<scope> <token>').")
  Path tokenFile;

  @Option(names = {"-o", "--output"}, defaultValue = "text",
      description = "Output format: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
  Output output;

  /** A client for the configured server and token. */
  public AdminClient client() throws AdminException {
    return new AdminClient(URI.create(server.endsWith("/") ? server : server + "/"), token());
  }

  public boolean json() {
    return output == Output.json;
  }

  private String token() throws AdminException {
    if (token != null && !token.isBlank()) {
      return token;
    }
    if (tokenFile == null) {
      return null;
    }
    try {
      for (String line : Files.readAllLines(tokenFile, StandardCharsets.UTF_8)) {
        String l = line.strip();
        if (!l.isEmpty() && !l.startsWith("#")) {
          String[] parts = l.split("\\s+");
          return parts[parts.length - 1];
        }
      }
    } catch (IOException e) {
      throw new AdminException(0, "cannot read token file " + tokenFile + ": " + e.getMessage());
    }
    throw new AdminException(0, "token file " + tokenFile + " holds no token");
  }
}
