package io.wpsync.faults.bed;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a short system command ({@code ip}, {@code tc}, {@code nft}, {@code mount}) with a time
 * bound, collecting its output. A command that runs past the bound is killed and reported as failed.
 */
public final class Cmd {
  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(20);

  private Cmd() {}

  /** What a command did. */
  public record Result(List<String> command, int exit, String output) {
    public boolean ok() {
      return exit == 0;
    }

    /** Throws unless the command succeeded. */
    public Result check() throws IOException {
      if (!ok()) {
        throw new IOException(String.join(" ", command) + " failed (exit " + exit + "): " + output.strip());
      }
      return this;
    }
  }

  /** Runs {@code args}; throws if it fails. */
  public static String run(String... args) throws IOException {
    return exec(null, DEFAULT_TIMEOUT, args).check().output();
  }

  /** Runs {@code args} with {@code stdin} as input; throws if it fails. */
  public static String runWithInput(String stdin, String... args) throws IOException {
    return exec(stdin, DEFAULT_TIMEOUT, args).check().output();
  }

  /** Runs {@code args} and returns the outcome, failed or not. */
  public static Result attempt(String... args) throws IOException {
    return exec(null, DEFAULT_TIMEOUT, args);
  }

  public static Result exec(String stdin, Duration timeout, String... args) throws IOException {
    List<String> command = List.of(args);
    Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Thread reader = new Thread(() -> copy(p.getInputStream(), out), "cmd-output");
    reader.setDaemon(true);
    reader.start();
    try (OutputStream in = p.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    }
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
        return new Result(command, -1, "timed out after " + timeout.toSeconds() + " s");
      }
      reader.join(2_000);
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running " + String.join(" ", command), e);
    }
    String text;
    synchronized (out) {
      text = out.toString(StandardCharsets.UTF_8);
    }
    return new Result(command, p.exitValue(), text);
  }

  private static void copy(InputStream in, ByteArrayOutputStream out) {
    byte[] buf = new byte[8192];
    try (in) {
      int n;
      while ((n = in.read(buf)) > 0) {
        synchronized (out) {
          out.write(buf, 0, n);
        }
      }
    } catch (IOException ignored) {
      // the process ended
    }
  }
}
