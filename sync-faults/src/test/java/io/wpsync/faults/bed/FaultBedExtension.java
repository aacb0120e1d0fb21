package io.wpsync.faults.bed;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives fault tests one shared {@link FaultBed} (started once per JVM, in the root context's store,
 * so it is closed after the last test class; a shutdown hook closes it too), and wraps each test:
 * before, the bed is restored to health; after, every fault is undone and the {@link Invariants}
 * are checked, failing the test that broke them.
 *
 * <p>Where network namespaces cannot be used (not root, no CAP_NET_ADMIN, tools missing) the tests
 * are skipped with the reason; but with {@code CI=true} that is a failure, so CI cannot pass
 * without running them.
 */
public final class FaultBedExtension implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback,
    ParameterResolver {
  private static final Logger LOG = LoggerFactory.getLogger(FaultBedExtension.class);
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(FaultBedExtension.class);

  /** The bed in the root store: closed by JUnit after all tests. */
  private record Shared(FaultBed bed, Invariants invariants) implements ExtensionContext.Store.CloseableResource {
    @Override
    public void close() {
      bed.close();
    }
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    Optional<String> why = context.getRoot().getStore(NS).getOrComputeIfAbsent("unavailable",
        k -> NetnsNetwork.unavailableReason(), Optional.class);
    if (why.isPresent()) {
      String msg = "network-namespace fault tests cannot run here: " + why.get();
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new IllegalStateException(msg + " (CI=true: these tests must run in CI; run it as root with "
            + "iproute2 and nftables installed)");
      }
      Assumptions.abort(msg + " (skipped; with CI=true this fails)");
    }
    shared(context);
  }

  private static Shared shared(ExtensionContext context) {
    Object failure = context.getRoot().getStore(NS).get("startFailure");
    if (failure != null) {
      throw new IllegalStateException("the fault test bed failed to start earlier: " + failure);
    }
    try {
      return context.getRoot().getStore(NS).getOrComputeIfAbsent(Shared.class, k -> {
        try {
          Path out = Path.of(System.getProperty("wpsync.faults.out", "target/fault-runs"));
          Path jar = Path.of(System.getProperty("wpsync.jar", "../sync-cli/target/wpsync.jar"));
          int agents = Integer.getInteger("wpsync.faults.agents", 3);
          long t0 = System.currentTimeMillis();
          FaultBed bed = FaultBed.start(out.toAbsolutePath(), jar.toAbsolutePath(), agents);
          bed.recovery().record("bed", "start (3 ZooKeeper, 2 coordinators, " + agents
              + " agents, first rollout)", System.currentTimeMillis() - t0);
          return new Shared(bed, new Invariants(bed));
        } catch (Exception e) {
          throw new IllegalStateException("cannot start the fault test bed: " + e.getMessage(), e);
        }
      }, Shared.class);
    } catch (RuntimeException e) {
      context.getRoot().getStore(NS).put("startFailure", e.getMessage());
      throw e;
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    FaultBed bed = shared(context).bed();
    LOG.info("==== {} ====", context.getDisplayName());
    bed.restore();
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    Shared s = shared(context);
    try {
      s.bed().restore();
    } catch (Exception | AssertionError e) {
      throw new AssertionError("after " + context.getDisplayName() + " the cluster did not recover once the faults "
          + "were undone: " + e.getMessage() + s.bed().logTails(15), e);
    }
    List<String> problems = s.invariants().check();
    if (!problems.isEmpty()) {
      throw new AssertionError("invariants broken after " + context.getDisplayName() + ":\n  - "
          + String.join("\n  - ", problems));
    }
    if (context.getExecutionException().isPresent()) {
      LOG.warn("{} failed; daemon logs end with:{}", context.getDisplayName(), s.bed().logTails(25));
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
    return p.getParameter().getType() == FaultBed.class;
  }

  @Override
  public Object resolveParameter(ParameterContext p, ExtensionContext e) {
    return shared(e).bed();
  }
}
