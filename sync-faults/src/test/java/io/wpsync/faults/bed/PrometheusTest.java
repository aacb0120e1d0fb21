package io.wpsync.faults.bed;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PrometheusTest {
  private static final String TEXT = String.join("\n",
      "# HELP wpsync_fetch_bytes_total Piece bytes received and verified, by source",
      "# TYPE wpsync_fetch_bytes_total counter",
      "wpsync_fetch_bytes_total{source=\"origin\"} 1024.0",
      "wpsync_fetch_bytes_total{source=\"peer\"} 4096.0",
      "wpsync_fetch_bytes_total_extra 7.0",
      "wpsync_agent_zk_connected 1.0",
      "jvm_memory_used_bytes{area=\"heap\",id=\"Tenured Gen\"} 5.5E7",
      "");

  @Test
  void sumsEveryLabelSetOfAMetric() {
    assertThat(Prometheus.sum(TEXT, "wpsync_fetch_bytes_total")).isEqualTo(5120.0);
  }

  @Test
  void selectsOneLabelSet() {
    assertThat(Prometheus.sum(TEXT, "wpsync_fetch_bytes_total{source=\"peer\"")).isEqualTo(4096.0);
  }

  @Test
  void readsUnlabelledSamplesAndLabelValuesWithSpaces() {
    assertThat(Prometheus.sum(TEXT, "wpsync_agent_zk_connected")).isEqualTo(1.0);
    assertThat(Prometheus.sum(TEXT, "jvm_memory_used_bytes")).isEqualTo(5.5e7);
  }

  @Test
  void absentMetricIsZero() {
    assertThat(Prometheus.sum(TEXT, "wpsync_nothing")).isZero();
  }
}
