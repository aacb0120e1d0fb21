package io.wpsync.faults.bed;

import com.fasterxml.jackson.databind.JsonNode;
import io.wpsync.core.cluster.ReleaseInfo;
import io.wpsync.core.hash.Digest;
import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.release.ReleaseLayout;
import io.wpsync.core.release.ReleaseVerifier;
import io.wpsync.core.store.FileContentStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The invariants checked after every fault test, once the faults are undone:
 *
 * <ol>
 *   <li>no agent's {@code current} ever pointed at an incomplete release (checked at every switch by
 *       {@link CurrentSampler}) nor at a release that no rollout committed;
 *   <li>every agent that is ready serves the committed release;
 *   <li>every release directory of every agent matches its manifest, file by file (hashed), with
 *       nothing missing and nothing extra ({@link ReleaseVerifier});
 *   <li>no committed release is lost: each is still in ZooKeeper's history and every coordinator's
 *       store holds its manifest and every object, with the right content.
 * </ol>
 */
public final class Invariants {
  private final FaultBed bed;
  /** Objects already hashed, per store: objects are immutable, so once is enough. */
  private final Set<Path> verifiedObjects = new HashSet<>();

  public Invariants(FaultBed bed) {
    this.bed = bed;
  }

  /** Every violation found, as sentences (empty when all hold). */
  public List<String> check() throws Exception {
    List<String> problems = new ArrayList<>(bed.sampler().violations());
    Set<String> committedEver = bed.noteCommitted();
    String committed = bed.view().committedId();
    Map<String, ReleaseInfo> releases = bed.view().releases();

    for (Map.Entry<String, Set<String>> e : bed.sampler().seen().entrySet()) {
      for (String id : e.getValue()) {
        if (!committedEver.contains(id)) {
          problems.add(e.getKey() + " served " + id + ", which no rollout committed (committed: " + committedEver + ")");
        }
      }
    }

    for (Daemon a : bed.agents()) {
      if (!a.isAlive()) {
        continue;
      }
      try {
        JsonNode s = a.status();
        if (s.path("ready").asBoolean() && !s.path("current").asText("").equals(committed)) {
          problems.add(a.id() + " is ready on " + s.path("current").asText() + " but " + committed + " is committed");
        }
      } catch (IOException ex) {
        problems.add(a.id() + " does not answer /status: " + ex.getMessage());
      }
    }

    List<Path> stores = new ArrayList<>();
    bed.coordinators().forEach(c -> stores.add(c.storeDir()));
    bed.agents().forEach(a -> stores.add(a.storeDir()));
    Map<String, Manifest> manifests = new HashMap<>();
    Path scratch = Files.createDirectories(bed.dir().resolve("verify-store"));
    try (FileContentStore unused = FileContentStore.open(scratch)) {
      for (Daemon a : bed.agents()) {
        ReleaseLayout layout = new ReleaseLayout(a.rootDir());
        for (String id : layout.releaseIds()) {
          ReleaseInfo info = releases.get(id);
          if (info == null) {
            problems.add(a.id() + " holds releases/" + id + ", which ZooKeeper does not know");
            continue;
          }
          Manifest m = manifests.computeIfAbsent(info.manifestId(), mid -> load(stores, mid, problems));
          if (m == null) {
            continue;
          }
          // rehash every file: the store is not consulted, so this checks the bytes on disk
          ReleaseVerifier.Verification v = new ReleaseVerifier(layout, unused).verify(id, m, true);
          if (!v.ok() && Files.isDirectory(layout.releaseDir(id))) {
            problems.add(a.id() + " releases/" + id + " does not match its manifest: " + v.problems());
          }
        }
      }
    }

    for (String id : committedEver) {
      ReleaseInfo info = releases.get(id);
      if (info == null) {
        problems.add("committed release " + id + " is gone from ZooKeeper's history");
        continue;
      }
      Manifest m = manifests.computeIfAbsent(info.manifestId(), mid -> load(stores, mid, problems));
      if (m == null) {
        continue;
      }
      for (Daemon c : bed.coordinators()) {
        checkHeld(c, Digest.parse(info.manifestId()), id, problems);
        for (Digest d : m.objectDigests()) {
          checkHeld(c, d, id, problems);
        }
      }
    }
    return problems;
  }

  private static Manifest load(List<Path> stores, String manifestId, List<String> problems) {
    try {
      return StoreFiles.manifest(stores, manifestId);
    } catch (Exception e) {
      problems.add("manifest " + manifestId + " unreadable: " + e.getMessage());
      return null;
    }
  }

  private void checkHeld(Daemon coordinator, Digest d, String releaseId, List<String> problems) throws IOException {
    Path f = StoreFiles.objectFile(coordinator.storeDir(), d);
    if (!Files.isRegularFile(f)) {
      problems.add(coordinator.id() + " lost object " + d.shortHex(16) + " of committed release " + releaseId);
      return;
    }
    if (verifiedObjects.add(f) && !StoreFiles.hash(f).equals(d)) {
      verifiedObjects.remove(f);
      problems.add(coordinator.id() + " object " + d.shortHex(16) + " of committed release " + releaseId
          + " is corrupt");
    }
  }
}
