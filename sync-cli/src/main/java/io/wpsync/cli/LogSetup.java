package io.wpsync.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.time.Instant;
import java.util.Locale;
import org.slf4j.Logger;

/**
 * Logging of every {@code wpsync} command, set up in code: one line per event on stderr
 * ({@code 2026-11-27T08:05:01.123Z INFO  [main] io.wpsync.agent.AgentDaemon - message}, stack
 * traces below), so stdout carries only a command's output (e.g. the JSON of {@code wpsync
 * manifest}). Root level INFO, or {@code WPSYNC_LOG_LEVEL} / {@code -Dwpsync.log.level}
 * ({@code debug}, {@code warn}, ...); ZooKeeper, Curator and Netty at WARN.
 *
 * <p>Doing this in code skips logback's XML configurator, which costs about 0.4 s of CPU at every
 * start (XML parsing and ~140 generated lambdas), noticeable in short commands. A file named with
 * {@code -Dlogback.configurationFile}, or a {@code logback-test.xml} on the class path, still wins:
 * this configurator then steps aside. Registered through {@code META-INF/services}.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class LogSetup extends ContextAwareBase implements Configurator {
  static final String LEVEL_PROPERTY = "wpsync.log.level";
  static final String LEVEL_ENV = "WPSYNC_LOG_LEVEL";

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty("logback.configurationFile") != null
        || LogSetup.class.getClassLoader().getResource("logback-test.xml") != null) {
      return ExecutionStatus.NEUTRAL;
    }
    install(context);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /** Installs the stderr appender and levels on {@code context}. */
  static void install(LoggerContext context) {
    OneLine layout = new OneLine();
    layout.setContext(context);
    layout.start();
    LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
    encoder.setContext(context);
    encoder.setLayout(layout);
    encoder.start();
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setName("stderr");
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(rootLevel());
    root.addAppender(stderr);
    for (String noisy : new String[] {"org.apache.zookeeper", "org.apache.curator", "io.netty"}) {
      context.getLogger(noisy).setLevel(Level.WARN);
    }
  }

  private static Level rootLevel() {
    String wanted = System.getProperty(LEVEL_PROPERTY, System.getenv(LEVEL_ENV));
    return wanted == null ? Level.INFO : Level.toLevel(wanted.trim().toUpperCase(Locale.ROOT), Level.INFO);
  }

  /** {@code <UTC time> <LEVEL> [<thread>] <logger> - <message>}, then the stack trace if any. */
  static final class OneLine extends LayoutBase<ILoggingEvent> {
    @Override
    public String doLayout(ILoggingEvent e) {
      StringBuilder b = new StringBuilder(128)
          .append(Instant.ofEpochMilli(e.getTimeStamp())).append(' ')
          .append(String.format("%-5s", e.getLevel())).append(" [").append(e.getThreadName()).append("] ")
          .append(e.getLoggerName()).append(" - ").append(e.getFormattedMessage())
          .append(CoreConstants.LINE_SEPARATOR);
      IThrowableProxy thrown = e.getThrowableProxy();
      if (thrown != null) {
        b.append(ThrowableProxyUtil.asString(thrown)).append(CoreConstants.LINE_SEPARATOR);
      }
      return b.toString();
    }
  }
}
