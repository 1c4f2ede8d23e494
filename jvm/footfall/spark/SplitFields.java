package footfall.spark;

import java.util.List;

import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.AbstractDataType;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.StringType$;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * {@code footfall_split_fields(line)}: a landing line's fields (METHOD 1.1), split at each comma
 * followed by an even number of double quotes to the end of the line, trimmed of spaces; in a
 * line with a quote, a field in quotes loses them, its doubled quotes become one and it is trimmed
 * again.
 *
 * <p>The same fields as footfall's built-in expressions (`footfall.stages.landing.split_fields`:
 * Spark's {@code split} by a comma or by the quote-aware regular expression, then {@code trim},
 * {@code substring} and {@code regexp_replace} per field), from the line's bytes instead of a
 * decode to a Java string, a split and an encode of each part back: one pass counts its quotes and
 * commas, one cuts it (a line without quotes at every comma, its array sized by the count). A
 * line that is not valid UTF-8 is first decoded and encoded again, as the built-in split does, so
 * its invalid bytes become U+FFFD in both. Broken quoting (an odd number of quotes) is told apart
 * by the caller, as with the built-ins.
 */
public final class SplitFields extends NativeFunction {
  private static final long serialVersionUID = 1L;
  public static final String NAME = "footfall_split_fields";
  private static final byte COMMA = ',';
  private static final byte QUOTE = '"';
  private static final byte SPACE = ' ';

  public SplitFields(List<Expression> args) {
    super(NAME, new ArrayType(StringType$.MODULE$, false), args);
  }

  /** The fields of line (called by the generated code). */
  public static ArrayData split(UTF8String line) {
    byte[] b = bytes(line);
    int[] seen = scan(b);
    if (seen[0] != 0) { // as the built-in split: through a Java string, invalid bytes to U+FFFD
      b = bytes(UTF8String.fromString(line.toString()));
      seen = scan(b);
    }
    int quotes = seen[1];
    // a line without quotes splits at every comma: the count is known, one pass sets the fields
    int commas = quotes == 0 ? seen[2] : separators(b, quotes, null);
    Object[] fields = new Object[commas + 1];
    separators(b, quotes, fields);
    return new GenericArrayData(fields);
  }

  /** In one pass over b: 1 if a byte is not ASCII (else 0), the quotes, the commas. */
  private static int[] scan(byte[] b) {
    int high = 0;
    int quotes = 0;
    int commas = 0;
    for (byte x : b) {
      high |= x & 0x80;
      quotes += x == QUOTE ? 1 : 0;
      commas += x == COMMA ? 1 : 0;
    }
    return new int[] {high == 0 ? 0 : 1, quotes, commas};
  }

  /**
   * How many commas of b split it (each followed by an even number of quotes); with fields, also
   * sets them, one more than the commas.
   */
  private static int separators(byte[] b, int quotes, Object[] fields) {
    int after = quotes; // quotes after position i
    int start = 0;
    int n = 0;
    for (int i = 0; i < b.length; i++) {
      if (b[i] == QUOTE) {
        after--;
      } else if (b[i] == COMMA && (after & 1) == 0) {
        if (fields != null) {
          fields[n] = field(b, start, i, quotes > 0);
        }
        n++;
        start = i + 1;
      }
    }
    if (fields != null) {
      fields[n] = field(b, start, b.length, quotes > 0);
    }
    return n;
  }

  /** A copy of the line's bytes: the fields are views of it, the line's buffer may be reused. */
  private static byte[] bytes(UTF8String s) {
    byte[] b = new byte[s.numBytes()];
    Platform.copyMemory(
        s.getBaseObject(), s.getBaseOffset(), b, Platform.BYTE_ARRAY_OFFSET, b.length);
    return b;
  }

  /** b[from, to) trimmed; in a line with quotes, unquoted and trimmed again when in quotes. */
  private static UTF8String field(byte[] b, int from, int to, boolean unquote) {
    while (from < to && b[from] == SPACE) {
      from++;
    }
    while (to > from && b[to - 1] == SPACE) {
      to--;
    }
    if (!unquote || to - from < 2 || b[from] != QUOTE || b[to - 1] != QUOTE) {
      return UTF8String.fromBytes(b, from, to - from);
    }
    int end = from + 1;
    for (int i = from + 1; i < to - 1; i++, end++) { // "" to ", left to right, in place
      b[end] = b[i];
      if (b[i] == QUOTE && i + 1 < to - 1 && b[i + 1] == QUOTE) {
        i++;
      }
    }
    return field(b, from + 1, end, false);
  }

  @Override
  NativeFunction withArgs(List<Expression> args) {
    return new SplitFields(args);
  }

  @Override
  List<AbstractDataType> argTypes() {
    return List.of(StringType$.MODULE$);
  }

  @Override
  String call(String value, String isNull, List<String> a) {
    return value + " = " + invoke("split", a) + ";";
  }

  @Override
  Object apply(Object[] v) {
    return split((UTF8String) v[0]);
  }
}
