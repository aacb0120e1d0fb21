package io.wpsync.core.hash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DigestTest {
  @Test
  void knownVector() {
    Digest d = Digest.of("abc".getBytes(StandardCharsets.US_ASCII));
    assertThat(d.hex()).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assertThat(d.toString()).isEqualTo("sha256:" + d.hex());
  }

  @Test
  void parsesWithOrWithoutPrefixAndAnyCase() {
    Digest d = Digest.of(new byte[] {1, 2, 3});
    assertThat(Digest.parse(d.toString())).isEqualTo(d);
    assertThat(Digest.parse(d.hex().toUpperCase())).isEqualTo(d).hasSameHashCodeAs(d);
  }

  @Test
  void rejectsMalformedText() {
    assertThatThrownBy(() -> Digest.parse("sha256:abc")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a sha256 digest");
    assertThatThrownBy(() -> Digest.parse("z".repeat(64))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Digest.fromBytes(new byte[31])).hasMessageContaining("32 bytes, got 31");
  }

  @Test
  void rawBytesAreCopiedNotShared() {
    byte[] raw = Digest.of(new byte[0]).toBytes();
    Digest d = Digest.fromBytes(raw);
    raw[0] ^= 1;
    assertThat(d.toBytes()[0]).isNotEqualTo(raw[0]);
  }

  @Test
  void ordersByUnsignedBytes() {
    byte[] low = new byte[32];
    byte[] high = new byte[32];
    high[0] = (byte) 0xff;
    assertThat(Digest.fromBytes(low)).isLessThan(Digest.fromBytes(high));
  }
}
