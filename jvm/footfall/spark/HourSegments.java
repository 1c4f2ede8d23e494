package footfall.spark;

import java.util.List;

import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.AbstractDataType;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.LongType$;

/**
 * {@code footfall_hour_segments(start, end, step, phase)}: the pieces of the interval [start, end)
 * (microseconds) between the marks at phase + k * step inside it, as (from, to) structs in order:
 * [start, m1), [m1, m2), ..., [mk, end); one piece [start, end) when no mark is inside.
 *
 * <p>The same pieces as footfall's built-in expression (`footfall.stages.stays.hour_bins`: a
 * sequence of the marks, two concatenations and a zip), built in one loop.
 */
public final class HourSegments extends NativeFunction {
  private static final long serialVersionUID = 1L;
  public static final String NAME = "footfall_hour_segments";
  private static final DataType TYPE =
      ArrayType.apply(struct(false, "from", LongType$.MODULE$, "to", LongType$.MODULE$), false);

  public HourSegments(List<Expression> args) {
    super(NAME, TYPE, args);
  }

  /** The pieces of [start, end) between the marks (called by the generated code). */
  public static ArrayData segments(long start, long end, long step, long phase) {
    long mark = start - Math.floorMod(start - phase, step) + step; // the first mark after start
    int marks = mark < end ? (int) ((end - 1 - mark) / step + 1) : 0;
    Object[] out = new Object[marks + 1];
    long from = start;
    for (int i = 0; i < marks; i++, mark += step) {
      out[i] = new GenericInternalRow(new Object[] {from, mark});
      from = mark;
    }
    out[marks] = new GenericInternalRow(new Object[] {from, end});
    return new GenericArrayData(out);
  }

  @Override
  NativeFunction withArgs(List<Expression> args) {
    return new HourSegments(args);
  }

  @Override
  List<AbstractDataType> argTypes() {
    AbstractDataType longs = LongType$.MODULE$;
    return List.of(longs, longs, longs, longs);
  }

  @Override
  String call(String value, String isNull, List<String> a) {
    return value + " = " + invoke("segments", a) + ";";
  }

  @Override
  Object apply(Object[] v) {
    return segments((Long) v[0], (Long) v[1], (Long) v[2], (Long) v[3]);
  }
}
