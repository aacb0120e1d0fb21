package io.wpsync.faults.bed;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measured recovery times of the fault tests: each is logged as {@code RECOVERY <test> <what> <ms>}
 * and appended to {@code recovery.tsv} in the output directory, from which {@code
 * docs/reliability.md} takes its figures.
 */
public final class Recovery {
  private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);
  private final Path file;
  private final String run;

  /** Appends to {@code file}; every line names the run {@code run} (e.g. {@code wpf-1234, 3 agents}). */
  public Recovery(Path file, String run) {
    this.file = file;
    this.run = run;
  }

  /** Records that {@code what} took {@code millis} in {@code test}. */
  public synchronized void record(String test, String what, long millis) {
    LOG.info("RECOVERY {} {} {} ms", test, what, millis);
    System.out.printf("RECOVERY %s | %s | %d ms%n", test, what, millis);
    try {
      Files.writeString(file, Instant.now() + "\t" + run + "\t" + test + "\t" + what + "\t" + millis + "\n",
          StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      LOG.warn("cannot append to {}: {}", file, e.getMessage());
    }
  }

  /** Records {@code what} measured from {@code startMillis} to now; returns the duration. */
  public long since(String test, String what, long startMillis) {
    long ms = System.currentTimeMillis() - startMillis;
    record(test, what, ms);
    return ms;
  }
}
