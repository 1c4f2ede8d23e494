package footfall.spark;

import static footfall.spark.Digits.digits;

import java.util.List;

import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.types.AbstractDataType;
import org.apache.spark.sql.types.StringType$;
import org.apache.spark.sql.types.TimestampType$;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * {@code footfall_parse_instant(text)}: the instant of an event time as METHOD 3 reads it, or
 * null: ISO-8601 with an offset ({@code yyyy-MM-ddTHH:mm[:ss[.f{1,9}]]} then {@code Z},
 * {@code +HH:mm} or {@code +HHmm}), or epoch milliseconds (1 to 15 digits).
 *
 * <p>The same instants as footfall's built-in expression (`footfall.stages.ingest.parse_instant`:
 * two regular expressions, then Spark's cast and patterns), read in one pass over the bytes: a
 * date or time that does not exist (a 30 February, hour 24, second 60) and an offset beyond
 * 18:00 give null, and fractions finer than a microsecond are truncated, as Spark's own parsing.
 */
public final class ParseInstant extends NativeFunction {
  private static final long serialVersionUID = 1L;
  public static final String NAME = "footfall_parse_instant";
  /** What {@link #micros} returns for a text that is not an instant. */
  public static final long NONE = Long.MIN_VALUE;

  private static final int[] DAYS_IN_MONTH = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

  public ParseInstant(List<Expression> args) {
    super(NAME, TimestampType$.MODULE$, args);
  }

  /** Microseconds since the epoch of text, or NONE (called by the generated code). */
  public static long micros(UTF8String text) {
    Object base = text.getBaseObject();
    long at = text.getBaseOffset();
    int n = text.numBytes();
    if (n >= 1 && n <= 15 && digits(base, at, 0, n)) {
      return number(base, at, 0, n) * 1000L;
    }
    // yyyy-MM-ddTHH:mm, then [:ss[.f]], then the offset
    if (n < 17
        || !digits(base, at, 0, 4)
        || byteAt(base, at, 4) != '-'
        || !digits(base, at, 5, 2)
        || byteAt(base, at, 7) != '-'
        || !digits(base, at, 8, 2)
        || byteAt(base, at, 10) != 'T'
        || !digits(base, at, 11, 2)
        || byteAt(base, at, 13) != ':'
        || !digits(base, at, 14, 2)) {
      return NONE;
    }
    int i = 16;
    long second = 0;
    long micros = 0;
    if (i < n && byteAt(base, at, i) == ':') {
      if (i + 3 > n || !digits(base, at, i + 1, 2)) {
        return NONE;
      }
      second = number(base, at, i + 1, 2);
      i += 3;
      if (i < n && byteAt(base, at, i) == '.') {
        int f = 0;
        while (i + 1 + f < n && f < 10 && digits(base, at, i + 1 + f, 1)) {
          f++;
        }
        if (f < 1 || f > 9) {
          return NONE;
        }
        long fraction = number(base, at, i + 1, Math.min(f, 6));
        for (int k = f; k < 6; k++) {
          fraction *= 10;
        }
        micros = fraction;
        i += 1 + f;
      }
    }
    long offset;
    if (i + 1 == n && byteAt(base, at, i) == 'Z') {
      offset = 0;
    } else if (i < n && (byteAt(base, at, i) == '+' || byteAt(base, at, i) == '-')) {
      boolean colon = i + 6 == n && byteAt(base, at, i + 3) == ':';
      if (!(colon || i + 5 == n) || !digits(base, at, i + 1, 2)) {
        return NONE;
      }
      int mm = colon ? i + 4 : i + 3;
      if (!digits(base, at, mm, 2)) {
        return NONE;
      }
      long hours = number(base, at, i + 1, 2);
      long minutes = number(base, at, mm, 2);
      offset = hours * 3600 + minutes * 60;
      if (hours > 18 || minutes > 59 || offset > 18 * 3600) {
        return NONE;
      }
      if (byteAt(base, at, i) == '-') {
        offset = -offset;
      }
    } else {
      return NONE;
    }
    long year = number(base, at, 0, 4);
    int month = (int) number(base, at, 5, 2);
    int day = (int) number(base, at, 8, 2);
    long hour = number(base, at, 11, 2);
    long minute = number(base, at, 14, 2);
    if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) {
      return NONE;
    }
    boolean leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    if (day > DAYS_IN_MONTH[month - 1] + (month == 2 && leap ? 1 : 0)) {
      return NONE;
    }
    long epochDay = java.time.LocalDate.of((int) year, month, day).toEpochDay();
    long seconds = epochDay * 86400 + hour * 3600 + minute * 60 + second - offset;
    return seconds * 1_000_000L + micros;
  }

  private static byte byteAt(Object base, long at, int i) {
    return Platform.getByte(base, at + i);
  }

  private static long number(Object base, long at, int from, int count) {
    long v = 0;
    for (int i = from; i < from + count; i++) {
      v = v * 10 + (Platform.getByte(base, at + i) - '0');
    }
    return v;
  }

  @Override
  NativeFunction withArgs(List<Expression> args) {
    return new ParseInstant(args);
  }

  @Override
  List<AbstractDataType> argTypes() {
    return List.of(StringType$.MODULE$);
  }

  @Override
  String call(String value, String isNull, List<String> a) {
    return value + " = " + invoke("micros", a) + ";\n"
        + isNull + " = " + value + " == " + NONE + "L;";
  }

  @Override
  Object apply(Object[] v) {
    long micros = micros((UTF8String) v[0]);
    return micros == NONE ? null : micros;
  }
}
