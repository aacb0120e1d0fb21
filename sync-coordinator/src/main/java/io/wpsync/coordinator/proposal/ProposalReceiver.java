package io.wpsync.coordinator.proposal;

import io.wpsync.agent.peer.PeerAddress;
import io.wpsync.coordinator.release.ReleaseFetcher;
import io.wpsync.coordinator.zk.ClusterStore;
import io.wpsync.coordinator.zk.ProposalStore;
import io.wpsync.coordinator.zk.ReleaseStore;
import io.wpsync.coordinator.zk.Versioned;
import io.wpsync.core.cluster.AgentInfo;
import io.wpsync.core.cluster.ProposalInfo;
import io.wpsync.core.cluster.ProposalState;
import io.wpsync.core.cluster.ReleaseInfo;
import io.wpsync.core.hash.Digest;
import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.manifest.ManifestCodec;
import io.wpsync.core.manifest.ManifestDiff;
import io.wpsync.core.manifest.ManifestEntry;
import io.wpsync.core.manifest.ManifestFormatException;
import io.wpsync.core.manifest.UnsafePathException;
import io.wpsync.core.scan.ScanRules;
import io.wpsync.core.store.ContentStore;
import io.wpsync.core.store.ManifestCache;
import io.wpsync.core.zk.ZkPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives a local change a live agent proposes ({@code POST /api/v1/proposals}); any coordinator
 * may. Guarantees, in order, before anything is recorded: the body is the canonical manifest whose
 * SHA-256 is the announced id; it decodes to a valid tree; the base release exists; every path the
 * change adds or modifies is one a release may hold (the scan rules: never {@code uploads/}, caches,
 * logs); the proposing agent is a live member. Then this coordinator fetches the objects it lacks
 * from that agent's peer server (verified piece by piece, like a release download) and lists itself
 * as a holder of the manifest, so standbys replicate it. Only then is the proposal recorded: from
 * its first moment its content is on a coordinator and stays retrievable. The same (agent, base,
 * parent, manifest) proposed again is the same proposal (idempotent retries).
 */
public final class ProposalReceiver {
  private static final Logger log = LoggerFactory.getLogger(ProposalReceiver.class);
  /** Largest manifest accepted (the peer protocol's limit). */
  static final long MAX_MANIFEST_BYTES = 256L << 20;

  private final ProposalStore proposals;
  private final ReleaseStore releases;
  private final ClusterStore cluster;
  private final ContentStore store;
  private final ManifestCache manifests;
  private final ReleaseFetcher fetcher;
  private final ScanRules rules;
  private final CapturePolicy policy;
  private final String selfId;
  private final LongSupplier clock;
  private final Runnable onRecorded;

  /** What {@link #receive} did: the proposal, and whether it is new (201) or an earlier one (200). */
  public record Received(ProposalInfo proposal, boolean created) {}

  /**
   * @param rules what a release may hold (the coordinator's scan rules)
   * @param onRecorded called after a new proposal is recorded (wakes the proposal driver)
   */
  public ProposalReceiver(ProposalStore proposals, ReleaseStore releases, ClusterStore cluster, ContentStore store,
      ManifestCache manifests, ReleaseFetcher fetcher, ScanRules rules, CapturePolicy policy, String selfId, LongSupplier clock,
      Runnable onRecorded) {
    this.proposals = Objects.requireNonNull(proposals, "proposals");
    this.releases = Objects.requireNonNull(releases, "releases");
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    this.store = Objects.requireNonNull(store, "store");
    this.manifests = Objects.requireNonNull(manifests, "manifests");
    this.fetcher = Objects.requireNonNull(fetcher, "fetcher");
    this.rules = Objects.requireNonNull(rules, "rules");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.selfId = Objects.requireNonNull(selfId, "selfId");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.onRecorded = Objects.requireNonNull(onRecorded, "onRecorded");
  }

  public CapturePolicy policy() {
    return policy;
  }

  /**
   * @param body the uploaded canonical manifest bytes
   * @throws ProposalException 400/422 for a bad proposal, 503 when content cannot be had right now
   */
  public Received receive(String agentId, String base, String manifestText, String parentText, String message,
      Path body) throws Exception {
    if (!ZkPaths.isValidId(agentId)) {
      throw new ProposalException(400, "'agent' must be the proposing agent's id, got '" + agentId + "'");
    }
    if (!ZkPaths.isValidId(base)) {
      throw new ProposalException(400, "'base' must be the id of the release the change was made on, got '" + base + "'");
    }
    Digest manifestId = digest("manifest", manifestText);
    Digest parent = parentText == null || parentText.isBlank() ? null : digest("parent", parentText);
    long size = Files.size(body);
    if (size == 0 || size > MAX_MANIFEST_BYTES) {
      throw new ProposalException(400, "the body must be the canonical manifest (1 byte .. 256 MiB), got " + size + " bytes");
    }
    byte[] bytes = Files.readAllBytes(body);
    Digest got = Digest.of(bytes);
    if (!got.equals(manifestId)) {
      throw new ProposalException(400, "verify manifest " + manifestId + ": the body hashes to " + got);
    }
    Manifest m;
    try {
      m = ManifestCodec.decode(bytes);
    } catch (ManifestFormatException | UnsafePathException e) {
      throw new ProposalException(422, "the proposed manifest is not a valid tree: " + e.getMessage());
    }
    ReleaseInfo baseInfo = releases.release(base).orElseThrow(() -> new ProposalException(422,
        "base release '" + base + "' does not exist"));
    Optional<ProposalInfo> same = existing(agentId, base, parent, manifestId);
    if (same.isPresent()) {
      return new Received(same.get(), false);
    }
    Manifest baseManifest = manifest(Digest.parse(baseInfo.manifestId()), "base release " + base);
    if (parent != null && !store.contains(parent)) {
      throw new ProposalException(503, "the previous capture " + parent.shortHex(12) + " this change builds on is not "
          + "on coordinator " + selfId + " yet (still replicating?); retry shortly");
    }
    checkPaths(baseManifest, m);
    AgentInfo agent = cluster.agents().get(agentId);
    if (agent == null || agent.host() == null || agent.p2pPort() <= 0) {
      throw new ProposalException(422, "agent '" + agentId + "' is not a live member of the network (no /agents/"
          + agentId + "): the coordinator fetches the proposed content from the proposing agent");
    }
    fetchContent(agent, m, bytes);
    releases.addCopy(manifestId.hex(), selfId);
    manifests.put(m);
    ManifestDiff.Summary s = ManifestDiff.between(baseManifest, m).summary();
    long now = clock.getAsLong();
    ProposalState state = policy == CapturePolicy.AUTO ? ProposalState.QUEUED : ProposalState.PENDING;
    String reason = state == ProposalState.QUEUED ? "capture policy auto: rolled out when the cluster is free"
        : "capture policy approve: waiting for an admin (wpsync proposal approve|reject ID)";
    ProposalInfo p = proposals.create(new ProposalInfo(null, agentId, base, manifestId.toString(), bytes.length,
        parent == null ? null : parent.toString(), clip(message), now, selfId, s.added(), s.changed(), s.removed(),
        state, reason, null, null, null, List.of(), null, null, now));
    log.info("proposal {} from {} on {}: manifest {}, +{} ~{} -{} paths, {}", p.id(), agentId, base,
        manifestId.shortHex(12), s.added(), s.changed(), s.removed(), state);
    onRecorded.run();
    return new Received(p, true);
  }

  private static Digest digest(String what, String text) throws ProposalException {
    try {
      return Digest.parse(text);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new ProposalException(400, "'" + what + "' must be a manifest id (sha256:<64 hex>), got '" + text + "'");
    }
  }

  private Optional<ProposalInfo> existing(String agent, String base, Digest parent, Digest manifest) throws Exception {
    String parentText = parent == null ? null : parent.toString();
    for (Versioned<ProposalInfo> v : proposals.list()) {
      ProposalInfo p = v.value();
      if (p.agentId().equals(agent) && p.base().equals(base) && p.manifestId().equals(manifest.toString())
          && Objects.equals(p.parent(), parentText)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** Every path the change adds or modifies must be one a release may hold. */
  private void checkPaths(Manifest base, Manifest proposed) throws ProposalException {
    ManifestDiff d = ManifestDiff.between(base, proposed);
    List<ManifestEntry> touched = new ArrayList<>(d.added());
    for (ManifestDiff.Change c : d.changed()) {
      touched.add(c.after());
    }
    for (ManifestDiff.Change c : d.modeChanged()) {
      touched.add(c.after());
    }
    for (ManifestEntry e : touched) {
      boolean allowed = e.isDirectory()
          ? rules.recordsDirectory(e.path()) || rules.descendsInto(e.path())
          : rules.recordsFile(e.path());
      if (!allowed) {
        throw new ProposalException(422, "the change touches '" + UnsafePathException.printable(e.path())
            + "', which releases never hold (scan rules " + rules + "); a live agent does not capture it");
      }
    }
  }

  private void fetchContent(AgentInfo agent, Manifest m, byte[] bytes) throws Exception {
    store.put(bytes);
    List<String> missing = new ArrayList<>();
    for (Digest d : m.objectDigests()) {
      if (!store.contains(d)) {
        missing.add(d.shortHex(12));
      }
    }
    if (missing.isEmpty()) {
      return;
    }
    long start = System.nanoTime();
    try {
      fetcher.fetch(m.id(), List.of(new PeerAddress(agent.id(), agent.host(), agent.p2pPort(), false, agent.zone())));
    } catch (IOException e) {
      throw new ProposalException(503, "could not fetch the " + missing.size() + " new objects of manifest "
          + m.id().shortHex(12) + " from agent " + agent.id() + " (" + agent.host() + ":" + agent.p2pPort() + "): "
          + e.getMessage() + "; the agent retries");
    }
    for (Digest d : m.objectDigests()) {
      if (!store.contains(d)) {
        throw new ProposalException(503, "object " + d.shortHex(12) + " of manifest " + m.id().shortHex(12)
            + " is still missing after fetching from agent " + agent.id());
      }
    }
    log.info("fetched {} new objects of proposed manifest {} from agent {} in {} ms", missing.size(),
        m.id().shortHex(12), agent.id(), (System.nanoTime() - start) / 1_000_000);
  }

  private Manifest manifest(Digest id, String what) throws Exception {
    if (!manifests.contains(id)) {
      throw new ProposalException(503, "the manifest of " + what + " is not on coordinator " + selfId
          + " yet (still replicating?); retry shortly");
    }
    return manifests.get(id);
  }

  private static String clip(String s) {
    if (s == null || s.isBlank()) {
      return null;
    }
    String t = s.strip();
    return t.length() > 2000 ? t.substring(0, 2000) : t;
  }
}
