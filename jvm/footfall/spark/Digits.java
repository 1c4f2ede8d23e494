package footfall.spark;

import java.util.List;

import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.types.AbstractDataType;
import org.apache.spark.sql.types.BooleanType$;
import org.apache.spark.sql.types.IntegerType$;
import org.apache.spark.sql.types.StringType$;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * {@code footfall_digits(text, n)}: whether text is exactly n ASCII digits (0-9), as the regular
 * expression {@code ^[0-9]{n}\z} of footfall's built-in check reads it
 * (`footfall.stages.ingest.IMSI_RE`), from one pass over its bytes: no matcher and no Java string
 * per row (the IMSI test of every landing row, METHOD 3's `bad_imsi`).
 */
public final class Digits extends NativeFunction {
  private static final long serialVersionUID = 1L;
  public static final String NAME = "footfall_digits";

  public Digits(List<Expression> args) {
    super(NAME, BooleanType$.MODULE$, args);
  }

  /** Whether text is exactly n ASCII digits (called by the generated code). */
  public static boolean test(UTF8String text, int n) {
    return text.numBytes() == n && digits(text.getBaseObject(), text.getBaseOffset(), 0, n);
  }

  /** Whether the count bytes from `from` of the bytes at (base, at) are all ASCII digits. */
  static boolean digits(Object base, long at, int from, int count) {
    for (int i = from; i < from + count; i++) {
      byte b = Platform.getByte(base, at + i);
      if (b < '0' || b > '9') {
        return false;
      }
    }
    return true;
  }

  @Override
  NativeFunction withArgs(List<Expression> args) {
    return new Digits(args);
  }

  @Override
  List<AbstractDataType> argTypes() {
    return List.of(StringType$.MODULE$, IntegerType$.MODULE$);
  }

  @Override
  String call(String value, String isNull, List<String> a) {
    return value + " = " + invoke("test", a) + ";";
  }

  @Override
  Object apply(Object[] v) {
    return test((UTF8String) v[0], (Integer) v[1]);
  }
}
