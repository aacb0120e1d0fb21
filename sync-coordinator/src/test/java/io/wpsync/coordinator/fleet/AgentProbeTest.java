package io.wpsync.coordinator.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The probe against real HTTP servers on loopback, with a manual clock for freshness. */
class AgentProbeTest {
  private final AtomicLong now = new AtomicLong(1_000_000);

  @Test
  void anAgentIsAskedAtMostOncePerTtlHoweverManyCallersWantIt() throws Exception {
    try (StandInAgent agent = new StandInAgent();
        AgentProbe probe = new AgentProbe(Duration.ofSeconds(1), Duration.ofSeconds(2), 4, now::get)) {
      agent.body.set(StandInAgent.fetching("r2", 50, 100));
      agent.delayMillis.set(200); // so concurrent callers overlap with the one request in flight
      ExecutorService callers = Executors.newFixedThreadPool(20);
      try {
        List<Future<Map<String, AgentProbe.Observation>>> results = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
          Callable<Map<String, AgentProbe.Observation>> c = () -> probe.observe(Map.of("a", agent.url()), Duration.ofSeconds(2));
          results.add(callers.submit(c));
        }
        for (Future<Map<String, AgentProbe.Observation>> f : results) {
          AgentProbe.Observation o = f.get().get("a");
          assertThat(o).isNotNull();
          assertThat(o.status().progress().bytesDone()).isEqualTo(50);
          assertThat(o.lastSeen()).isEqualTo(now.get());
        }
      } finally {
        callers.shutdownNow();
      }
      assertThat(agent.requests.get()).isEqualTo(1);
      probe.observe(Map.of("a", agent.url()), Duration.ofSeconds(2));
      assertThat(agent.requests.get()).as("still fresh").isEqualTo(1);
      now.addAndGet(1_000);
      agent.body.set(StandInAgent.fetching("r2", 90, 100));
      // stale while revalidating: answered at once from the last observation, refreshed in the background
      long t0 = System.nanoTime();
      assertThat(probe.observe(Map.of("a", agent.url()), Duration.ofSeconds(2)).get("a").status().progress().bytesDone())
          .isEqualTo(50);
      assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(150); // did not wait for the 200 ms agent
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() ->
          probe.observe(Map.of("a", agent.url()), Duration.ofSeconds(2)).get("a").status().progress().bytesDone() == 90);
      assertThat(agent.requests.get()).isEqualTo(2);
    }
  }

  @Test
  void aSlowAgentDoesNotHoldTheCallerLongerThanTheWait() throws Exception {
    try (StandInAgent agent = new StandInAgent();
        AgentProbe probe = new AgentProbe(Duration.ZERO, Duration.ofSeconds(5), 2, now::get)) {
      agent.body.set(StandInAgent.fetching("r2", 1, 2));
      agent.delayMillis.set(1_500);
      long t0 = System.nanoTime();
      Map<String, AgentProbe.Observation> first = probe.observe(Map.of("a", agent.url()), Duration.ofMillis(200));
      assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(1_200);
      assertThat(first).isEmpty(); // nothing known yet
      agent.delayMillis.set(0);
      Thread.sleep(1_600); // the first probe completes in the background
      Map<String, AgentProbe.Observation> later = probe.observe(Map.of("a", agent.url()), Duration.ofMillis(10));
      assertThat(later.get("a").status().progress().bytesDone()).isEqualTo(1); // stale beats nothing
    }
  }

  @Test
  void anUnreachableAgentYieldsAnErrorAndNoLastSeen() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    try (AgentProbe probe = new AgentProbe(Duration.ofSeconds(1), Duration.ofSeconds(2), 1, now::get)) {
      Map<String, AgentProbe.Observation> seen = probe.observe(
          Map.of("gone", "http://127.0.0.1:" + closed, "bogus", "not a url"), Duration.ofSeconds(3));
      assertThat(seen).containsOnlyKeys("gone");
      assertThat(seen.get("gone").status()).isNull();
      assertThat(seen.get("gone").error()).contains("http://127.0.0.1:" + closed + "/status");
      assertThat(seen.get("gone").lastSeen()).isZero();
    }
  }
}
