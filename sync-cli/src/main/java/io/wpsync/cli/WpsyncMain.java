package io.wpsync.cli;

/** Entry point of the {@code wpsync} jar (placeholder until the subcommands land). */
public final class WpsyncMain {
  private WpsyncMain() {}

  public static void main(String[] args) {
    System.out.println("wpsync");
  }
}
