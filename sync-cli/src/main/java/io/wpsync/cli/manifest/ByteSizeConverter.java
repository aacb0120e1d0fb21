package io.wpsync.cli.manifest;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parses a byte count such as {@code 4194304}, {@code 64KiB}, {@code 4MiB} or {@code 4M} (binary units). */
public final class ByteSizeConverter implements ITypeConverter<Integer> {
  private static final Pattern SIZE = Pattern.compile("(\\d{1,10})\\s*(|b|k|kb|kib|m|mb|mib)");

  @Override
  public Integer convert(String value) {
    Matcher m = SIZE.matcher(value.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new TypeConversionException("'" + value + "' is not a size like 4194304, 64KiB or 4MiB");
    }
    long n = Long.parseLong(m.group(1));
    long unit = switch (m.group(2)) {
      case "k", "kb", "kib" -> 1024;
      case "m", "mb", "mib" -> 1024 * 1024;
      default -> 1;
    };
    long bytes = n * unit;
    if (bytes > Integer.MAX_VALUE) {
      throw new TypeConversionException("'" + value + "' is too large");
    }
    return (int) bytes;
  }
}
