package io.wpsync.core.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wpsync.core.hash.Digest;
import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.manifest.ManifestCodec;
import io.wpsync.core.manifest.ManifestEntry;
import io.wpsync.core.manifest.ManifestFormatException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestCacheTest {
  @TempDir Path dir;

  private static Manifest manifest(int files, String tag) throws Exception {
    List<ManifestEntry> entries = new ArrayList<>();
    for (int i = 0; i < files; i++) {
      byte[] b = (tag + i).getBytes(UTF_8);
      entries.add(ManifestEntry.file("f" + i, 0644, b.length, Digest.of(b), List.of()));
    }
    return Manifest.of(Manifest.MIN_PIECE_SIZE, entries);
  }

  @Test
  void decodesAStoredManifestOnceAndSharesIt() throws Exception {
    FileContentStore store = FileContentStore.open(dir.resolve("store"));
    Manifest m = manifest(10, "a");
    Digest id = store.put(ManifestCodec.encode(m));
    ManifestCache cache = new ManifestCache(store, 100);
    Manifest first = cache.get(id);
    assertThat(first).isEqualTo(m);
    assertThat(cache.get(id)).isSameAs(first);
    assertThat(cache.contains(id)).isTrue();
    assertThat(cache.weight()).isEqualTo(10);
  }

  @Test
  void namesWhatIsMissingOrCorrupt() throws Exception {
    FileContentStore store = FileContentStore.open(dir.resolve("store"));
    ManifestCache cache = ManifestCache.over(store);
    Digest absent = Digest.of("nothing".getBytes(UTF_8));
    assertThat(cache.contains(absent)).isFalse();
    assertThatThrownBy(() -> cache.get(absent)).isInstanceOf(NoSuchObjectException.class);
    Digest garbage = store.put("not a manifest".getBytes(UTF_8));
    assertThatThrownBy(() -> cache.get(garbage))
        .isInstanceOf(CorruptManifestException.class)
        .hasMessageContaining(garbage.toString())
        .hasCauseInstanceOf(ManifestFormatException.class);
  }

  @Test
  void keepsAtMostItsEntryBudget() throws Exception {
    FileContentStore store = FileContentStore.open(dir.resolve("store"));
    ManifestCache cache = new ManifestCache(store, 25);
    for (int i = 0; i < 5; i++) {
      cache.put(manifest(10, "m" + i));
    }
    assertThat(cache.weight()).isLessThanOrEqualTo(25);
    Manifest kept = manifest(10, "m4");
    assertThat(cache.contains(kept.id())).isTrue(); // cached only, never stored
    assertThat(store.contains(kept.id())).isFalse();
  }
}
