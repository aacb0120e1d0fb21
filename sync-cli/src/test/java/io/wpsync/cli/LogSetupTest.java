package io.wpsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LogSetupTest {
  private final PrintStream realErr = System.err;
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @AfterEach
  void restore() {
    System.setErr(realErr);
    System.clearProperty(LogSetup.LEVEL_PROPERTY);
    System.clearProperty("logback.configurationFile");
  }

  private static LoggerContext configured() {
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new LogbackMDCAdapter()); // what slf4j's provider does for the real context
    LogSetup.install(context);
    return context;
  }

  @Test
  void writesOneLinePerEventToStderrWithStackTraces() {
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    LoggerContext context = configured();

    context.getLogger("io.wpsync.test").info("scanned {} files", 3);
    context.getLogger("io.wpsync.test").debug("not shown");
    context.getLogger("org.apache.zookeeper.ClientCnxn").info("not shown either");
    context.getLogger("io.wpsync.test").warn("failed", new IllegalStateException("boom"));

    String text = err.toString(StandardCharsets.UTF_8);
    assertThat(text).containsPattern("(?m)^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z INFO  \\[main\\] io.wpsync.test - scanned 3 files$");
    assertThat(text).contains("WARN  [main] io.wpsync.test - failed")
        .contains("java.lang.IllegalStateException: boom")
        .contains("at io.wpsync.cli.LogSetupTest")
        .doesNotContain("not shown");
  }

  @Test
  void theLevelCanBeChosen() {
    System.setProperty(LogSetup.LEVEL_PROPERTY, "debug");
    assertThat(configured().getLogger("x").getEffectiveLevel()).isEqualTo(Level.DEBUG);
  }

  @Test
  void anExplicitLogbackFileWins() {
    System.setProperty("logback.configurationFile", "/etc/wpsync/logback.xml");
    LoggerContext context = new LoggerContext();
    LogSetup setup = new LogSetup();
    setup.setContext(context);
    assertThat(setup.configure(context)).isEqualTo(ExecutionStatus.NEUTRAL);
  }
}
