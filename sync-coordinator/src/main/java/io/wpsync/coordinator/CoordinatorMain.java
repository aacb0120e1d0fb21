package io.wpsync.coordinator;

import picocli.CommandLine;

/**
 * Runs {@link CoordinatorCommand} on its own ({@code java -cp … io.wpsync.coordinator.CoordinatorMain
 * --help}); the {@code wpsync} jar runs the same command as {@code wpsync coordinator}.
 */
public final class CoordinatorMain {
  private CoordinatorMain() {}

  public static void main(String[] args) {
    System.exit(new CommandLine(new CoordinatorCommand()).execute(args));
  }
}
