package io.wpsync.cli;

import io.wpsync.cli.admin.BundleCommands;
import io.wpsync.cli.admin.ProposalCommands;
import io.wpsync.cli.admin.ReleaseCommands;
import io.wpsync.cli.admin.RolloutCommands;
import io.wpsync.cli.demo.DemoCommand;
import io.wpsync.cli.manifest.ManifestCommand;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code wpsync} command: one jar, one subcommand per job. Exit codes: 0 success, 1 the work
 * failed (message on stderr, no stack trace), 2 bad usage.
 */
@Command(name = "wpsync", mixinStandardHelpOptions = true, versionProvider = WpsyncVersion.class,
    description = "Distributed, atomic wp-content sync for WordPress Multisite on Kubernetes.",
    subcommands = {
        ManifestCommand.class,
        io.wpsync.agent.AgentCommand.class,
        io.wpsync.coordinator.CoordinatorCommand.class,
        ReleaseCommands.Release.class,
        ReleaseCommands.ListReleases.class,
        RolloutCommands.Rollout.class,
        RolloutCommands.Rollback.class,
        RolloutCommands.Agents.class,
        BundleCommands.Theme.class,
        BundleCommands.Plugin.class,
        ProposalCommands.ListProposals.class,
        ProposalCommands.Proposal.class,
        DemoCommand.class,
    })
public final class WpsyncMain implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing command: pick one of " + spec.subcommands().keySet());
  }

  /** The command line, configured as {@link #main} runs it (tests call this). */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new WpsyncMain());
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    return cl;
  }

  public static void main(String[] args) {
    CommandLine cl = commandLine();
    // JSON and file names are UTF-8 whatever the locale says
    cl.setOut(utf8(FileDescriptor.out));
    cl.setErr(utf8(FileDescriptor.err));
    System.exit(cl.execute(args));
  }

  private static PrintWriter utf8(FileDescriptor fd) {
    return new PrintWriter(new OutputStreamWriter(new FileOutputStream(fd), StandardCharsets.UTF_8), true);
  }
}
