package footfall.spark;

import java.util.List;
import java.util.function.Function;

import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import org.apache.spark.sql.catalyst.rules.Rule;
import org.apache.spark.sql.execution.SparkPlan;
import scala.Tuple3;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction1;
import scala.runtime.BoxedUnit;

/**
 * footfall's session extension (spark.sql.extensions): {@link SinglePassAggregates}, a query
 * stage preparation rule of adaptive execution, and six functions: four that ingest calls on
 * every landing row, {@link SplitFields} (footfall_split_fields), {@link Digits}
 * (footfall_digits), {@link HmacSha256} (footfall_hmac_sha256) and {@link ParseInstant}
 * (footfall_parse_instant), one that cuts a stay at the hour marks, {@link HourSegments}
 * (footfall_hour_segments), and one that turns a token's events into its hour bins, {@link StayBins} (footfall_stay_bins). Without it footfall
 * runs the same jobs with the same rows out: Spark's own plans, and the same values from Spark's
 * built-in functions.
 */
public final class Extensions extends AbstractFunction1<SparkSessionExtensions, BoxedUnit> {
  @Override
  public BoxedUnit apply(SparkSessionExtensions extensions) {
    extensions.injectQueryStagePrepRule(
        new AbstractFunction1<SparkSession, Rule<SparkPlan>>() {
          @Override
          public Rule<SparkPlan> apply(SparkSession session) {
            return new SinglePassAggregates();
          }
        });
    function(extensions, HmacSha256.NAME, HmacSha256.class, 3, HmacSha256::new);
    function(extensions, ParseInstant.NAME, ParseInstant.class, 1, ParseInstant::new);
    function(extensions, SplitFields.NAME, SplitFields.class, 1, SplitFields::new);
    function(extensions, Digits.NAME, Digits.class, 2, Digits::new);
    function(extensions, HourSegments.NAME, HourSegments.class, 4, HourSegments::new);
    function(extensions, StayBins.NAME, StayBins.class, 12, StayBins::new);
    return BoxedUnit.UNIT;
  }

  /** Registers a function of `arity` arguments that builder makes an expression of. */
  private static void function(
      SparkSessionExtensions extensions,
      String name,
      Class<?> type,
      int arity,
      Function<List<Expression>, Expression> builder) {
    extensions.injectFunction(
        new Tuple3<>(
            FunctionIdentifier.apply(name),
            new ExpressionInfo(type.getName(), name),
            new AbstractFunction1<Seq<Expression>, Expression>() {
              @Override
              public Expression apply(Seq<Expression> args) {
                if (args.size() != arity) {
                  throw new IllegalArgumentException(
                      name + " takes " + arity + " arguments, got " + args.size());
                }
                return builder.apply(CollectionConverters.asJava(args));
              }
            }));
  }
}
