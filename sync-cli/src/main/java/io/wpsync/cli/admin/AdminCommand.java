package io.wpsync.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Base of every admin subcommand: runs {@link #call(AdminClient)}, prints JSON or text, and turns
 * an {@link AdminException} into a one-line error and exit code 1 (no stack trace).
 */
public abstract class AdminCommand implements Callable<Integer> {
  private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Mixin protected AdminOptions options;
  @Spec protected CommandSpec spec;

  /** Does the work; returns the exit code. */
  protected abstract int call(AdminClient api) throws AdminException, InterruptedException;

  @Override
  public final Integer call() throws InterruptedException {
    try {
      return call(options.client());
    } catch (AdminException e) {
      err().println("wpsync: " + e.getMessage());
      return 1;
    }
  }

  protected PrintWriter out() {
    return spec.commandLine().getOut();
  }

  protected PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /** Prints {@code node} as indented JSON. */
  protected void printJson(JsonNode node) {
    try {
      out().println(PRETTY.writeValueAsString(node));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    out().flush();
  }
}
