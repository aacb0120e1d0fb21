package io.wpsync.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code wpsync proposals} and {@code wpsync proposal show|approve|reject|resolve|file}: local
 * changes captured on live agents, waiting for an admin (policy approve), rolled out, or in conflict.
 */
public final class ProposalCommands {
  private ProposalCommands() {}

  /** Lists proposals, newest first. */
  @Command(name = "proposals", mixinStandardHelpOptions = true,
      description = "List local-change proposals from live agents, newest first (state, agent, base, release).")
  public static final class ListProposals extends AdminCommand {
    @Option(names = "--state", description = "Only this state: PENDING, QUEUED, ROLLING_OUT, COMMITTED, NO_CHANGE, "
        + "CONFLICT, FAILED, REJECTED, SUPERSEDED.")
    String state;

    @Override
    protected int call(AdminClient api) throws AdminException, InterruptedException {
      JsonNode r = api.proposals(state == null ? null : state.toUpperCase(java.util.Locale.ROOT));
      if (options.json()) {
        printJson(r);
        return 0;
      }
      out().printf("capture policy: %s%n", r.path("policy").asText("?"));
      if (r.path("proposals").isEmpty()) {
        out().println("no proposals");
        return 0;
      }
      out().printf("%-12s %-11s %-14s %-12s %-12s %-18s %s%n", "ID", "STATE", "AGENT", "BASE", "RELEASE", "CHANGES",
          "REASON");
      for (JsonNode p : r.path("proposals")) {
        out().printf("%-12s %-11s %-14s %-12s %-12s %-18s %s%n", p.path("id").asText(), p.path("state").asText(),
            p.path("agentId").asText(), p.path("base").asText(), p.path("release").asText("-"),
            String.format("+%d ~%d -%d", p.path("added").asInt(), p.path("changed").asInt(), p.path("removed").asInt()),
            p.path("reason").asText(""));
      }
      return 0;
    }
  }

  /** {@code wpsync proposal ...}. */
  @Command(name = "proposal", mixinStandardHelpOptions = true,
      description = "Show, approve, reject or resolve a local-change proposal, or print one of its files.",
      subcommands = {Show.class, Approve.class, Reject.class, Resolve.class, File.class})
  public static final class Proposal {}

  /** Shows one proposal. */
  @Command(name = "show", mixinStandardHelpOptions = true, description = "Show a proposal and the paths it changes.")
  public static final class Show extends AdminCommand {
    @Parameters(paramLabel = "ID")
    String id;

    @Override
    protected int call(AdminClient api) throws AdminException, InterruptedException {
      JsonNode d = api.proposal(id);
      if (options.json()) {
        printJson(d);
        return 0;
      }
      JsonNode p = d.path("proposal");
      out().printf("proposal %s: %s%n", p.path("id").asText(), p.path("state").asText());
      out().printf("  reason:   %s%n", p.path("reason").asText("-"));
      out().printf("  agent:    %s, base %s, created %s%n", p.path("agentId").asText(), p.path("base").asText(),
          Instant.ofEpochMilli(p.path("createdAt").asLong()));
      out().printf("  message:  %s%n", p.path("message").asText("-"));
      out().printf("  manifest: %s (parent %s)%n", p.path("manifestId").asText(), p.path("parent").asText("the base"));
      if (p.hasNonNull("release")) {
        out().printf("  release:  %s%s%n", p.path("release").asText(),
            p.hasNonNull("rebasedOnto") ? " (rebased onto " + p.path("rebasedOnto").asText() + ")" : "");
      }
      if (!p.path("conflictPaths").isEmpty()) {
        out().printf("  conflict with %s on:%n", p.path("conflictWith").asText());
        for (JsonNode c : p.path("conflictPaths")) {
          out().printf("    %s%n", c.asText());
        }
        out().printf("  settle it: wpsync proposal resolve %s --keep proposal|committed (or reject it); see a file: "
            + "wpsync proposal file %s PATH%n", p.path("id").asText(), p.path("id").asText());
      }
      out().printf("  changes (%d):%n", d.path("changeCount").asInt());
      for (JsonNode c : d.path("changes")) {
        out().printf("    %-8s %s%n", c.path("change").asText(), c.path("path").asText());
      }
      if (d.hasNonNull("note")) {
        out().printf("  (%s)%n", d.path("note").asText());
      }
      return 0;
    }
  }

  /** Base of the decisions. */
  abstract static class Decision extends AdminCommand {
    @Parameters(paramLabel = "ID")
    String id;

    @Option(names = "--by", defaultValue = "${env:USER}", description = "Who decides (recorded; default: $USER).")
    String by;

    int decide(AdminClient api, String action, String keep) throws AdminException, InterruptedException {
      JsonNode p = api.decideProposal(id, action, by, keep);
      if (options.json()) {
        printJson(p);
      } else {
        out().printf("proposal %s: %s (%s)%n", p.path("id").asText(), p.path("state").asText(), p.path("reason").asText());
      }
      return 0;
    }
  }

  @Command(name = "approve", mixinStandardHelpOptions = true,
      description = "Approve a PENDING proposal (or retry a FAILED one): it is rolled out when the cluster is free.")
  public static final class Approve extends Decision {
    @Override
    protected int call(AdminClient api) throws AdminException, InterruptedException {
      return decide(api, "approve", null);
    }
  }

  @Command(name = "reject", mixinStandardHelpOptions = true,
      description = "Reject a proposal that is not applied; its content stays retrievable.")
  public static final class Reject extends Decision {
    @Override
    protected int call(AdminClient api) throws AdminException, InterruptedException {
      return decide(api, "reject", null);
    }
  }

  @Command(name = "resolve", mixinStandardHelpOptions = true,
      description = "Settle a CONFLICT by choosing a side for the conflicting paths; the rest of the change applies too.")
  public static final class Resolve extends Decision {
    @Option(names = "--keep", required = true, paramLabel = "proposal|committed",
        description = "Which version of each conflicting path wins.")
    String keep;

    @Override
    protected int call(AdminClient api) throws AdminException, InterruptedException {
      return decide(api, "resolve", keep);
    }
  }

  @Command(name = "file", mixinStandardHelpOptions = true,
      description = "Print the content of one file of a proposal's tree (e.g. the losing side of a conflict).")
  public static final class File extends AdminCommand {
    @Parameters(index = "0", paramLabel = "ID")
    String id;

    @Parameters(index = "1", paramLabel = "PATH", description = "Path inside wp-content, e.g. themes/demo/style.css.")
    String path;

    @Override
    protected int call(AdminClient api) throws AdminException, InterruptedException {
      byte[] b = api.proposalFile(id, path);
      out().flush();
      System.out.write(b, 0, b.length);
      System.out.flush();
      return 0;
    }
  }
}
