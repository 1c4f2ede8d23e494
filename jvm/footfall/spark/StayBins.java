package footfall.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.AbstractDataType;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BooleanType$;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType$;
import org.apache.spark.sql.types.IntegerType$;
import org.apache.spark.sql.types.LongType$;
import org.apache.spark.sql.types.StringType$;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * {@code footfall_stay_bins(events, same, other, edge, step, phase, changes, offsets, first, last,
 * hours, weekdays)}: one token's events to the local hour bins it is present in (METHOD 5.1, 5.2),
 * as (date, hour, area, dwell_us, day_dwell_us) structs, one per bin, its dwell summed;
 * day_dwell_us, on one bin of each (date, area) and null on the others, is the sum of their dwell:
 * the token's daily stay row (`footfall.stages.dwell.daily_stays`) without an aggregate.
 *
 * <p>events: the token's (t, cell, type, area) structs, t in microseconds since the epoch, in any
 * order; none of them null (the events table's columns are NOT NULL). They are ordered by t, then
 * cell, then type, as footfall's built-in expressions order them with a window
 * (`footfall.stages.stays.intervals`), and each gap becomes the same intervals: bridged within one
 * area when at most `same` microseconds, split at its midpoint between areas when at most `other`,
 * otherwise an edge of min(edge, gap / 2) on each side; an edge before the first event and after
 * the last; and a 1-microsecond point at an event whose own stay is empty (no dwell). Each interval
 * is cut at the hour marks (phase + k * step, as {@link HourSegments}) and each piece goes to the
 * local bin of its start: the local clock is the instant plus `offsets[j]`, j the number of
 * `changes` at or before it (`footfall.stages.local_clock`). Kept: the bins of local dates `first`
 * to `last` (epoch days) whose hour is set in the bit mask `hours` and, when `weekdays`, that fall
 * on Monday to Friday. The same bins and dwell as the built-in expressions' after their distinct
 * (tested), from one pass over the sorted events, without a window, two explodes and an aggregate.
 */
public final class StayBins extends NativeFunction {
  private static final long serialVersionUID = 1L;
  public static final String NAME = "footfall_stay_bins";
  private static final long DAY_US = 86_400_000_000L;
  private static final long HOUR_US = 3_600_000_000L;
  // a token's areas whose copy is shared by its events (a token is seen in a few areas a day)
  private static final int OWNED_AREAS = 8;
  private static final StructType EVENT =
      struct(true, "t", LongType$.MODULE$, "cell", StringType$.MODULE$, "type",
          StringType$.MODULE$, "area", StringType$.MODULE$);
  private static final DataType TYPE =
      ArrayType.apply(
          struct(false, "date", DateType$.MODULE$, "hour", IntegerType$.MODULE$, "area",
                  StringType$.MODULE$, "dwell_us", LongType$.MODULE$)
              .add("day_dwell_us", LongType$.MODULE$, true),
          false);
  private static final Comparator<Event> ORDER =
      Comparator.<Event>comparingLong(e -> e.t)
          .thenComparing(e -> e.cell)
          .thenComparing(e -> e.type);

  public StayBins(List<Expression> args) {
    super(NAME, TYPE, args);
  }

  /** One event of the token. */
  private record Event(long t, UTF8String cell, UTF8String type, UTF8String area) {}

  /** One local hour bin in one area. */
  private record Bin(int day, int hour, UTF8String area) {}

  /** One local date in one area. */
  private record DayArea(int day, UTF8String area) {}

  /** Where pieces are cut (the hour marks), the zone's offsets, and the bins kept. */
  private record Binning(
      long step,
      long phase,
      long[] changes,
      long[] offsets,
      int first,
      int last,
      int hours,
      boolean weekdays) {}

  /** The token's bins (called by the generated code). */
  public static ArrayData bins(
      ArrayData events,
      long same,
      long other,
      long edge,
      long step,
      long phase,
      ArrayData changes,
      ArrayData offsets,
      int first,
      int last,
      int hours,
      boolean weekdays) {
    Binning rule =
        new Binning(step, phase, changes.toLongArray(), offsets.toLongArray(), first, last, hours,
            weekdays);
    Event[] ev = new Event[events.numElements()];
    UTF8String[] owned = new UTF8String[OWNED_AREAS];
    for (int i = 0; i < ev.length; i++) {
      InternalRow e = events.getStruct(i, 4);
      ev[i] = new Event(e.getLong(0), e.getUTF8String(1), e.getUTF8String(2),
          own(e.getUTF8String(3), owned));
    }
    Arrays.sort(ev, ORDER);
    Map<Bin, long[]> dwell = new LinkedHashMap<>();
    for (int i = 0; i < ev.length; i++) {
      long t = ev[i].t;
      UTF8String area = ev[i].area;
      long ownEnd = t + edge;
      if (i + 1 < ev.length) {
        long next = ev[i + 1].t;
        UTF8String nextArea = ev[i + 1].area;
        long gap = next - t;
        long half = gap >> 1;
        boolean sameArea = area.equals(nextArea);
        boolean bridged = sameArea && gap <= same;
        boolean split = !sameArea && gap <= other;
        long side = Math.min(edge, half);
        ownEnd = bridged ? next : split ? t + half : t + side;
        if (!bridged) {
          add(dwell, rule, split ? t + half : next - side, next, nextArea, true);
        }
      }
      if (ownEnd <= t) {
        add(dwell, rule, t, t + 1, area, false);
      }
      if (i == 0) {
        add(dwell, rule, t - edge, t, area, true);
      }
      add(dwell, rule, t, ownEnd, area, true);
    }
    // each (date, area)'s dwell over its bins, given on the first of them (null on the others)
    Map<DayArea, long[]> days = new HashMap<>();
    for (Map.Entry<Bin, long[]> b : dwell.entrySet()) {
      Bin bin = b.getKey();
      days.computeIfAbsent(new DayArea(bin.day, bin.area), d -> new long[1])[0] += b.getValue()[0];
    }
    Object[] out = new Object[dwell.size()];
    int k = 0;
    for (Map.Entry<Bin, long[]> b : dwell.entrySet()) {
      Bin bin = b.getKey();
      long[] day = days.remove(new DayArea(bin.day, bin.area));
      Object[] fields = {bin.day, bin.hour, bin.area, b.getValue()[0], day == null ? null : day[0]};
      out[k++] = new GenericInternalRow(fields);
    }
    return new GenericArrayData(out);
  }

  /**
   * The area as a string that owns its bytes (the bins outlive the input row): one copy per area
   * of the token, shared by its events there (the first owned.length areas; a copy per event
   * after them), not one per event. owned: the copies so far, then nulls.
   */
  private static UTF8String own(UTF8String area, UTF8String[] owned) {
    for (int j = 0; j < owned.length; j++) {
      if (owned[j] == null) {
        owned[j] = area.clone();
        return owned[j];
      }
      if (owned[j].equals(area)) {
        return owned[j];
      }
    }
    return area.clone();
  }

  /** Adds the interval [start, end) in area to the bins it overlaps (none when empty). */
  private static void add(
      Map<Bin, long[]> dwell, Binning rule, long start, long end, UTF8String area, boolean lasts) {
    long from = start;
    while (from < end) {
      long mark = from - Math.floorMod(from - rule.phase, rule.step) + rule.step;
      long to = Math.min(mark, end);
      long local = from + offset(rule, from);
      int day = (int) Math.floorDiv(local, DAY_US);
      int hour = (int) (Math.floorMod(local, DAY_US) / HOUR_US);
      boolean kept =
          day >= rule.first
              && day <= rule.last
              && (rule.hours >>> hour & 1) == 1
              && (!rule.weekdays || Math.floorMod(day + 3, 7) < 5); // epoch day 0 was a Thursday
      if (kept) {
        dwell.computeIfAbsent(new Bin(day, hour, area), b -> new long[1])[0] +=
            lasts ? to - from : 0;
      }
      from = to;
    }
  }

  /** The zone's offset at the instant: offsets[j], j the number of changes at or before it. */
  private static long offset(Binning rule, long instant) {
    int j = 0;
    while (j < rule.changes.length && rule.changes[j] <= instant) {
      j++;
    }
    return rule.offsets[j];
  }

  @Override
  NativeFunction withArgs(List<Expression> args) {
    return new StayBins(args);
  }

  @Override
  List<AbstractDataType> argTypes() {
    AbstractDataType longs = LongType$.MODULE$;
    AbstractDataType ints = IntegerType$.MODULE$;
    AbstractDataType longArray = ArrayType.apply(LongType$.MODULE$, true);
    List<AbstractDataType> types = new ArrayList<>();
    types.add(ArrayType.apply(EVENT, true));
    types.addAll(List.of(longs, longs, longs, longs, longs, longArray, longArray));
    types.addAll(List.of(ints, ints, ints, BooleanType$.MODULE$));
    return types;
  }

  @Override
  String call(String value, String isNull, List<String> a) {
    return value + " = " + invoke("bins", a) + ";";
  }

  @Override
  Object apply(Object[] v) {
    return bins((ArrayData) v[0], (Long) v[1], (Long) v[2], (Long) v[3], (Long) v[4], (Long) v[5],
        (ArrayData) v[6], (ArrayData) v[7], (Integer) v[8], (Integer) v[9], (Integer) v[10],
        (Boolean) v[11]);
  }
}
