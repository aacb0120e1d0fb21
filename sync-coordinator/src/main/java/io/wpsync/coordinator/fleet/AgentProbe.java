package io.wpsync.coordinator.fleet;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wpsync.agent.AgentStatus;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Asks agents for their own {@code GET /status} (readiness with its reason, per-piece fetch
 * progress: what ZooKeeper deliberately does not carry), on demand, with a short cache.
 *
 * <p>Guarantees: at most one request per agent is in flight, and an agent is asked at most once
 * per {@code ttl} however many API callers want it, so polling the API at any rate costs each
 * agent at most one small request per {@code ttl}; at most {@code concurrency} requests run at
 * once. {@link #observe} waits only for agents it knows nothing about yet, and for at most {@code
 * wait}: an agent observed before is answered at once from its last observation while a fresh one
 * is fetched in the background (stale while revalidating), so a slow agent delays a caller once,
 * never a polling loop. Nothing here throws for an unreachable agent: its observation carries the
 * error.
 *
 * <pre>{@code
 * try (AgentProbe probe = new AgentProbe(Duration.ofSeconds(1), Duration.ofSeconds(1), 8, System::currentTimeMillis)) {
 *   Map<String, AgentProbe.Observation> seen = probe.observe(Map.of("a1", "http://10.0.0.5:8081"), Duration.ofMillis(1500));
 * }
 * }</pre>
 */
public final class AgentProbe implements Closeable {
  /** Largest status body read from an agent. */
  private static final int MAX_BODY = 256 * 1024;
  /** Observations older than this are dropped (agents that left). */
  private static final long FORGET_MILLIS = 10 * 60_000;
  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /**
   * One probe's outcome.
   *
   * @param at when the probe finished (epoch millis)
   * @param status what the agent answered, or null when it did not
   * @param error why it did not answer, or null
   * @param lastSeen when the agent last answered (epoch millis; 0 if never)
   */
  public record Observation(long at, AgentStatus status, String error, long lastSeen) {}

  private static final class Slot {
    volatile Observation last;
    CompletableFuture<Observation> inflight; // guarded by this
  }

  private final Duration ttl;
  private final Duration timeout;
  private final LongSupplier clock;
  private final HttpClient http;
  private final ExecutorService pool;
  private final Map<String, Slot> slots = new ConcurrentHashMap<>();

  /**
   * @param ttl how long an observation is fresh
   * @param timeout connect and request timeout of one probe
   * @param concurrency probes running at once, at most
   */
  public AgentProbe(Duration ttl, Duration timeout, int concurrency, LongSupplier clock) {
    if (concurrency < 1 || ttl.isNegative() || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("AgentProbe needs concurrency >= 1, ttl >= 0 and timeout > 0, got "
          + concurrency + ", " + ttl + ", " + timeout);
    }
    this.ttl = ttl;
    this.timeout = timeout;
    this.clock = Objects.requireNonNull(clock, "clock");
    AtomicInteger n = new AtomicInteger();
    this.pool = Executors.newFixedThreadPool(concurrency, r -> {
      Thread t = new Thread(r, "agent-probe-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    // not our pool: send() blocks a pool thread while the client completes the exchange on its own threads
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  /**
   * Observations of {@code agents} (id to HTTP base URL), probing those whose observation is older
   * than the ttl, and waiting up to {@code wait} for those never observed. Agents without a usable
   * URL, and agents whose first probe is still running after the wait, are absent.
   */
  public Map<String, Observation> observe(Map<String, String> agents, Duration wait) throws InterruptedException {
    long now = clock.getAsLong();
    List<CompletableFuture<Observation>> pending = new ArrayList<>();
    for (Map.Entry<String, String> a : agents.entrySet()) {
      URI uri = statusUri(a.getValue());
      if (uri == null) {
        continue;
      }
      Slot s = slots.computeIfAbsent(a.getKey(), k -> new Slot());
      synchronized (s) {
        Observation last = s.last;
        if (last != null && now - last.at() < ttl.toMillis()) {
          continue;
        }
        if (s.inflight == null) {
          s.inflight = CompletableFuture.supplyAsync(() -> probe(uri, s), pool)
              .whenComplete((o, e) -> {
                synchronized (s) {
                  if (o != null) {
                    s.last = o;
                  }
                  s.inflight = null;
                }
              });
        }
        if (last == null) {
          pending.add(s.inflight); // nothing to show yet: worth waiting for
        }
      }
    }
    if (!pending.isEmpty()) {
      try {
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(wait.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException | ExecutionException e) {
        // return what we have: stale observations for the slow ones
      }
    }
    Map<String, Observation> out = new HashMap<>();
    for (String id : agents.keySet()) {
      Slot s = slots.get(id);
      if (s != null && s.last != null) {
        out.put(id, s.last);
      }
    }
    forgetOld(now);
    return out;
  }

  private Observation probe(URI uri, Slot slot) {
    long previousSeen = slot.last == null ? 0 : slot.last.lastSeen();
    try {
      HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(uri).timeout(timeout).GET().build(),
          HttpResponse.BodyHandlers.ofInputStream());
      byte[] body;
      try (InputStream in = r.body()) {
        body = in.readNBytes(MAX_BODY + 1);
      }
      long at = clock.getAsLong();
      if (r.statusCode() != 200) {
        return new Observation(at, null, "GET " + uri + " answered " + r.statusCode(), previousSeen);
      }
      if (body.length > MAX_BODY) {
        return new Observation(at, null, "GET " + uri + ": status larger than " + MAX_BODY + " bytes", at);
      }
      return new Observation(at, JSON.readValue(body, AgentStatus.class), null, at);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Observation(clock.getAsLong(), null, "probe interrupted", previousSeen);
    } catch (IOException | RuntimeException e) {
      return new Observation(clock.getAsLong(), null, "GET " + uri + " failed: " + e, previousSeen);
    }
  }

  private static URI statusUri(String base) {
    if (base == null || base.isBlank() || !(base.startsWith("http://") || base.startsWith("https://"))) {
      return null;
    }
    try {
      return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/status");
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private void forgetOld(long now) {
    slots.entrySet().removeIf(e -> {
      Observation o = e.getValue().last;
      return o != null && now - o.at() > FORGET_MILLIS;
    });
  }

  /** Ids with an observation (for tests). */
  Collection<String> known() {
    return slots.keySet();
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
