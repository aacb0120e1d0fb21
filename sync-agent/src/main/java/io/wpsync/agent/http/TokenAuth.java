package io.wpsync.agent.http;

import io.wpsync.core.hash.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Bearer-token authentication. Tokens come from a file (a Kubernetes Secret): one per line as
 * {@code <scope> <token>} with scope {@code read}, {@code capture} or {@code admin}; a line with a
 * bare token is an admin token; {@code #} starts a comment. Tokens are compared in constant time
 * (their SHA-256 digests, so not even the length leaks).
 */
public final class TokenAuth {
  /** Shortest token accepted, so a typo cannot leave a guessable one. */
  public static final int MIN_TOKEN_LENGTH = 16;

  private record Grant(byte[] digest, Scope scope) {}

  private final List<Grant> grants;

  private TokenAuth(List<Grant> grants) {
    this.grants = List.copyOf(grants);
  }

  /** Loads the token file; a malformed line is an error naming its number. */
  public static TokenAuth fromFile(Path file) throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IOException("cannot read token file " + file + ": " + e.getMessage(), e);
    }
    return parse(lines, file.toString());
  }

  /** Parses token-file lines; {@code source} names them in errors. */
  public static TokenAuth parse(List<String> lines, String source) throws IOException {
    List<Grant> grants = new ArrayList<>();
    int n = 0;
    for (String raw : lines) {
      n++;
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split("\\s+");
      Scope scope;
      String token;
      if (parts.length == 1) {
        scope = Scope.ADMIN;
        token = parts[0];
      } else if (parts.length == 2) {
        scope = switch (parts[0].toLowerCase(Locale.ROOT)) {
          case "read" -> Scope.READ;
          case "capture" -> Scope.CAPTURE;
          case "admin" -> Scope.ADMIN;
          default -> throw new IOException(String.format(
              "%s line %d: unknown scope '%s' (use read, capture or admin)", source, n, parts[0]));
        };
        token = parts[1];
      } else {
        throw new IOException(String.format("%s line %d: expected '<scope> <token>'", source, n));
      }
      if (token.length() < MIN_TOKEN_LENGTH) {
        throw new IOException(String.format(
            "%s line %d: token shorter than %d characters", source, n, MIN_TOKEN_LENGTH));
      }
      grants.add(new Grant(sha(token), scope));
    }
    if (grants.isEmpty()) {
      throw new IOException(source + " holds no token; the API would refuse every call");
    }
    return new TokenAuth(grants);
  }

  /** A single admin token (for tests and the demo). */
  public static TokenAuth admin(String token) {
    return new TokenAuth(List.of(new Grant(sha(token), Scope.ADMIN)));
  }

  /** The scope granted to an {@code Authorization} header value, if it carries a known token. */
  public Optional<Scope> authenticate(String authorizationHeader) {
    if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.empty();
    }
    byte[] presented = sha(authorizationHeader.substring(7).strip());
    Scope found = null;
    for (Grant g : grants) { // no early exit: the time taken does not depend on which token matched
      if (MessageDigest.isEqual(g.digest(), presented) && (found == null || g.scope().satisfies(found))) {
        found = g.scope();
      }
    }
    return Optional.ofNullable(found);
  }

  private static byte[] sha(String token) {
    return Digest.of(token.getBytes(StandardCharsets.UTF_8)).toBytes();
  }
}
