package io.wpsync.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Writes a deterministic wp-content-like tree: for a given (files, bytes, seed) the same paths,
 * sizes and contents every time.
 *
 * <p>Shape (for the default 20,000 files / 1 GiB): about 98.6% small code files of 1-30 KiB
 * (.php, .css, .js, .json, .mo) spread over 12 themes and 150 plugins with nested directories,
 * ~1.25% images/fonts/zips of 256 KiB-4 MiB, ~0.1% files larger than the 4 MiB piece size
 * (videos, bundled zips) taking the remaining bytes, plus top-level drop-ins, mu-plugins,
 * languages and two symlinks. The total is exactly {@code bytes} when the mix allows it. Contents
 * are pseudo-random (hashing speed does not depend on content).
 */
public final class TreeGenerator {
  static final int KIB = 1024;
  static final int MIB = 1024 * 1024;
  static final int PIECE = 4 * MIB;
  private static final int THEMES = 12;
  private static final int PLUGINS = 150;
  private static final String[] THEME_DIRS = {
      "", "assets/css", "assets/js", "assets/images", "assets/fonts", "inc", "inc/customizer", "template-parts",
      "template-parts/content", "patterns", "languages"};
  private static final String[] PLUGIN_DIRS = {
      "", "includes", "includes/admin", "includes/rest", "admin", "admin/css", "admin/js", "public/js", "public/css",
      "assets/images", "languages", "vendor/composer", "vendor/acme/lib/src", "vendor/acme/lib/src/Http", "templates"};
  private static final String[] WORDS = {
      "loader", "settings", "widget", "block", "query", "cache", "rest", "api", "admin", "render", "template",
      "helpers", "schema", "options", "assets", "blocks", "editor", "checkout", "cart", "forms", "seo", "media"};

  /** One file to write: where, how big, and the seed of its content. */
  record Spec(String path, long size, long seed) { }

  private final long files;
  private final long bytes;
  private final long seed;

  public TreeGenerator(long files, long bytes, long seed) {
    if (files < 100) {
      throw new IllegalArgumentException("at least 100 files, got " + files);
    }
    this.files = files;
    this.bytes = bytes;
    this.seed = seed;
  }

  /** The plan: every file with its size, in a deterministic order. */
  List<Spec> plan() {
    SplittableRandom rnd = new SplittableRandom(seed);
    long large = Math.max(1, files / 1000);
    long media = Math.max(1, files / 80);
    long small = files - large - media;
    List<Spec> out = new ArrayList<>((int) files);
    long used = 0;
    // fixed names WordPress looks for
    for (String dropIn : new String[] {"index.php", "object-cache.php", "advanced-cache.php", "db.php", "sunrise.php"}) {
      out.add(new Spec(dropIn, 1 * KIB + rnd.nextInt(8 * KIB), rnd.nextLong()));
    }
    for (int i = 0; out.size() < 5 + 10; i++) {
      out.add(new Spec("mu-plugins/mu-" + WORDS[i % WORDS.length] + "-" + i + ".php", 1 * KIB + rnd.nextInt(29 * KIB), rnd.nextLong()));
    }
    long languages = Math.max(1, small / 100);
    for (int i = 0; i < languages; i++) {
      String sub = i % 3 == 0 ? "" : i % 3 == 1 ? "plugins/" : "themes/";
      String ext = i % 2 == 0 ? ".mo" : ".json";
      out.add(new Spec("languages/" + sub + "locale-" + i + ext, 1 * KIB + rnd.nextInt(29 * KIB), rnd.nextLong()));
    }
    for (Spec s : out) {
      used += s.size();
    }
    for (long i = out.size(); i < small; i++) {
      String dir = codeDir(rnd);
      String name = WORDS[rnd.nextInt(WORDS.length)] + "-" + i + extensionFor(dir);
      long size = 1 * KIB + rnd.nextInt(29 * KIB + 1);
      out.add(new Spec(dir + "/" + name, size, rnd.nextLong()));
      used += size;
    }
    List<Spec> mediaSpecs = new ArrayList<>();
    long mediaBytes = 0;
    for (long i = 0; i < media; i++) {
      String dir = imageDir(rnd);
      String[] exts = {".png", ".jpg", ".webp", ".woff2", ".zip"};
      long size = 256 * KIB + rnd.nextInt(4 * MIB - 256 * KIB + 1);
      mediaSpecs.add(new Spec(dir + "/media-" + i + exts[rnd.nextInt(exts.length)], size, rnd.nextLong()));
      mediaBytes += size;
    }
    long rest = bytes - used - mediaBytes;
    if (rest < large * (PIECE + 1L)) { // small totals: shrink the media to leave room for the big files
      long room = Math.max(0, bytes - used - large * (PIECE + 1L));
      double scale = Math.min(1.0, (double) room / Math.max(1, mediaBytes));
      mediaBytes = 0;
      for (int i = 0; i < mediaSpecs.size(); i++) {
        Spec s = mediaSpecs.get(i);
        long size = Math.max(1, (long) (s.size() * scale));
        mediaSpecs.set(i, new Spec(s.path(), size, s.seed()));
        mediaBytes += size;
      }
      rest = Math.max(large * (PIECE + 1L), bytes - used - mediaBytes);
    }
    out.addAll(mediaSpecs);
    double[] weights = new double[(int) large];
    double sum = 0;
    for (int i = 0; i < large; i++) {
      weights[i] = 1 + 2 * rnd.nextDouble();
      sum += weights[i];
    }
    long spare = rest - large * (PIECE + 1L);
    long given = 0;
    for (int i = 0; i < large; i++) {
      long extra = i == large - 1 ? spare - given : (long) (spare * weights[i] / sum);
      given += extra;
      String path = i % 2 == 0
          ? "plugins/plugin-" + String.format("%03d", rnd.nextInt(PLUGINS)) + "/assets/images/video-" + i + ".mp4"
          : "themes/theme-" + String.format("%02d", rnd.nextInt(THEMES)) + "/assets/bundle-" + i + ".zip";
      out.add(new Spec(path, PIECE + 1L + extra, rnd.nextLong()));
    }
    return out;
  }

  private static String codeDir(SplittableRandom rnd) {
    if (rnd.nextInt(10) < 2) {
      return "themes/theme-" + String.format("%02d", rnd.nextInt(THEMES)) + pick(rnd, THEME_DIRS);
    }
    return "plugins/plugin-" + String.format("%03d", rnd.nextInt(PLUGINS)) + pick(rnd, PLUGIN_DIRS);
  }

  private static String imageDir(SplittableRandom rnd) {
    return rnd.nextBoolean()
        ? "themes/theme-" + String.format("%02d", rnd.nextInt(THEMES)) + "/assets/images"
        : "plugins/plugin-" + String.format("%03d", rnd.nextInt(PLUGINS)) + "/assets/images";
  }

  private static String pick(SplittableRandom rnd, String[] dirs) {
    String d = dirs[rnd.nextInt(dirs.length)];
    return d.isEmpty() ? "" : "/" + d;
  }

  private static String extensionFor(String dir) {
    if (dir.endsWith("css")) {
      return ".css";
    } else if (dir.endsWith("js")) {
      return ".js";
    } else if (dir.endsWith("languages")) {
      return ".mo";
    } else if (dir.endsWith("patterns")) {
      return ".html";
    }
    return ".php";
  }

  /** Writes the tree under {@code root} (which must not exist yet) on {@code threads} threads. */
  public Summary generate(Path root, int threads) throws IOException {
    if (Files.exists(root)) {
      throw new IOException(root + " already exists; remove it first");
    }
    List<Spec> plan = plan();
    Files.createDirectories(root);
    for (Spec s : plan) {
      Path parent = root.resolve(s.path()).getParent();
      if (!parent.equals(root)) {
        Files.createDirectories(parent);
      }
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      int chunk = Math.max(1, plan.size() / (threads * 8));
      for (int i = 0; i < plan.size(); i += chunk) {
        List<Spec> part = plan.subList(i, Math.min(plan.size(), i + chunk));
        done.add(pool.submit(() -> {
          ByteBuffer buf = ByteBuffer.allocate(MIB);
          for (Spec s : part) {
            write(root.resolve(s.path()), s, buf);
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    } finally {
      pool.shutdownNow();
    }
    // two symlinks, as sites have (a child theme alias, a plugin's "current" link)
    Files.createDirectories(root.resolve("plugins/plugin-000"));
    Files.createSymbolicLink(root.resolve("themes/theme-current"), Path.of("theme-00"));
    Files.createSymbolicLink(root.resolve("plugins/plugin-000/current"), Path.of("includes"));
    long total = 0;
    for (Spec s : plan) {
      total += s.size();
    }
    return new Summary(plan.size(), total);
  }

  /** What {@link #generate} wrote. */
  public record Summary(long files, long bytes) { }

  private static void write(Path path, Spec s, ByteBuffer buf) throws IOException {
    SplittableRandom content = new SplittableRandom(s.seed());
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      long left = s.size();
      while (left > 0) {
        int n = (int) Math.min(left, buf.capacity());
        buf.clear();
        while (buf.position() + 8 <= n) {
          buf.putLong(content.nextLong());
        }
        while (buf.position() < n) {
          buf.put((byte) content.nextInt());
        }
        buf.flip();
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        left -= n;
      }
    }
  }
}
