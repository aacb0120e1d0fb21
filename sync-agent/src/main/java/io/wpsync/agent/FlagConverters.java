package io.wpsync.agent;

import io.wpsync.agent.rollout.ZkLossPolicy;
import java.time.Duration;
import java.util.function.Function;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * picocli converters for the daemons' flag values, shared by {@code wpsync agent} and {@code wpsync
 * coordinator}: a value that does not parse becomes a usage error carrying the parser's message.
 */
public final class FlagConverters {
  private FlagConverters() {}

  /** Parses {@code value} with {@code parser}, turning its {@link IllegalArgumentException} into a usage error. */
  public static <T> T parse(Function<String, T> parser, String value) {
    try {
      return parser.apply(value);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }

  /** {@code HOST:PORT}. */
  public static final class HostPortConverter implements ITypeConverter<HostPort> {
    @Override
    public HostPort convert(String value) {
      return parse(HostPort::parse, value);
    }
  }

  /** Durations such as {@code 30s}, {@code 5m} or ISO-8601. */
  public static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return parse(DurationText::parse, value);
    }
  }

  /** {@code NAME=PATH} linked paths. */
  public static final class LinkConverter implements ITypeConverter<LinkSpec> {
    @Override
    public LinkSpec convert(String value) {
      return parse(LinkSpec::parse, value);
    }
  }

  /** {@code read-only|live}. */
  public static final class ModeConverter implements ITypeConverter<AgentMode> {
    @Override
    public AgentMode convert(String value) {
      return parse(AgentMode::parse, value);
    }
  }

  /** {@code serve|strict}. */
  public static final class ZkLossPolicyConverter implements ITypeConverter<ZkLossPolicy> {
    @Override
    public ZkLossPolicy convert(String value) {
      return parse(ZkLossPolicy::parse, value);
    }
  }
}
