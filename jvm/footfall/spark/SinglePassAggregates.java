package footfall.spark;

import java.util.ArrayList;
import java.util.List;

import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeReference;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.expressions.aggregate.AggregateExpression;
import org.apache.spark.sql.catalyst.expressions.aggregate.Complete$;
import org.apache.spark.sql.catalyst.expressions.aggregate.Final$;
import org.apache.spark.sql.catalyst.expressions.aggregate.Partial$;
import org.apache.spark.sql.catalyst.rules.Rule;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.aggregate.BaseAggregateExec;
import org.apache.spark.sql.execution.aggregate.HashAggregateExec;
import org.apache.spark.sql.execution.aggregate.ObjectHashAggregateExec;
import org.apache.spark.sql.execution.aggregate.SortAggregateExec;
import scala.jdk.javaapi.CollectionConverters;

/**
 * One aggregate where Spark 4.2 plans two over rows that are already clustered by the grouping keys
 * (a rule of footfall's session extension, {@link Extensions}).
 *
 * <p>Spark 4.2 plans every aggregate as a partial one and a final one. When the input needs a
 * shuffle, the partial one runs before it and shrinks what is shuffled. When the input is already
 * clustered (ingest's dedup after its repartition, each token's events collected after the
 * shuffle by token for {@link StayBins}), EnsureRequirements adds no shuffle and the two run back
 * to back in the same task: the partial one goes over every row and the final one over its output
 * again. The final aggregate over the partial one's input in Complete mode gives the same rows from
 * one pass (Spark's main branch plans aggregates this way after 4.2: Complete, with the partial
 * added only where a shuffle is).
 *
 * <p>The rule runs after EnsureRequirements (a query stage preparation rule of adaptive execution,
 * spark.sql.adaptive.enabled, footfall's default) and changes only a final HashAggregateExec,
 * ObjectHashAggregateExec or SortAggregateExec whose child is its own partial one of the same
 * class: the same aggregate functions, none DISTINCT, grouped by plain columns. Anything else is
 * left as planned.
 */
public final class SinglePassAggregates extends Rule<SparkPlan> {
  /** The plan with each final-over-partial pair replaced by one Complete aggregate. */
  @Override
  public SparkPlan apply(SparkPlan plan) {
    List<SparkPlan> children = CollectionConverters.asJava(plan.children());
    List<SparkPlan> visited = new ArrayList<>(children.size());
    boolean changed = false;
    for (SparkPlan child : children) {
      SparkPlan v = apply(child);
      changed |= v != child;
      visited.add(v);
    }
    SparkPlan node =
        changed ? plan.withNewChildren(CollectionConverters.asScala(visited).toSeq()) : plan;
    SparkPlan single = singlePass(node);
    return single == null ? node : single;
  }

  /** One Complete aggregate for a final one directly over its partial one, else null. */
  private static SparkPlan singlePass(SparkPlan node) {
    if (!(node instanceof BaseAggregateExec fin)
        || !(node.children().size() == 1
            && node.children().head() instanceof BaseAggregateExec part)
        || fin.getClass() != part.getClass()
        || !(fin instanceof HashAggregateExec
            || fin instanceof ObjectHashAggregateExec
            || fin instanceof SortAggregateExec)
        || fin.isStreaming()
        || part.isStreaming()
        || fin.requiredChildDistributionExpressions().isEmpty()
        || part.initialInputBufferOffset() != 0) {
      return null;
    }
    // grouped by the input's own columns: the final one's keys are the partial one's
    List<NamedExpression> keys = CollectionConverters.asJava(part.groupingExpressions());
    List<NamedExpression> finalKeys = CollectionConverters.asJava(fin.groupingExpressions());
    if (keys.size() != finalKeys.size()) {
      return null;
    }
    for (int i = 0; i < keys.size(); i++) {
      if (!(keys.get(i) instanceof AttributeReference key)
          || !(finalKeys.get(i) instanceof Attribute finalKey)
          || !key.exprId().equals(finalKey.exprId())) {
        return null;
      }
    }
    List<AggregateExpression> partials = CollectionConverters.asJava(part.aggregateExpressions());
    List<AggregateExpression> finals = CollectionConverters.asJava(fin.aggregateExpressions());
    if (partials.size() != finals.size()) {
      return null;
    }
    List<AggregateExpression> complete = new ArrayList<>(finals.size());
    for (int i = 0; i < finals.size(); i++) {
      AggregateExpression p = partials.get(i);
      AggregateExpression f = finals.get(i);
      if (p.mode() != Partial$.MODULE$
          || f.mode() != Final$.MODULE$
          || p.isDistinct()
          || f.isDistinct()
          || !p.aggregateFunction().equals(f.aggregateFunction())) {
        return null;
      }
      // the partial one holds the FILTER clause; the result keeps the final one's attribute
      complete.add(
          f.copy(f.aggregateFunction(), Complete$.MODULE$, false, p.filter(), f.resultId()));
    }
    SparkPlan single = complete(fin, part, CollectionConverters.asScala(complete).toSeq());
    // adaptive execution maps each query stage back to the logical plan by these links: a
    // node without one makes it re-plan the aggregate above the stage that already holds it
    single.copyTagsFrom((SparkPlan) fin);
    return single;
  }

  /**
   * The aggregate of fin's class in Complete mode over part's input: Spark's own copy of fin
   * (TreeNode.makeCopy) with other arguments; the three classes share their constructor's.
   */
  private static SparkPlan complete(
      BaseAggregateExec fin,
      BaseAggregateExec part,
      scala.collection.immutable.Seq<AggregateExpression> functions) {
    SparkPlan input = ((SparkPlan) part).children().head();
    Object[] args = {
      fin.requiredChildDistributionExpressions(),
      false,
      fin.numShufflePartitions(),
      part.groupingExpressions(),
      functions,
      fin.aggregateAttributes(),
      0,
      fin.resultExpressions(),
      input
    };
    return ((SparkPlan) fin).makeCopy(args);
  }
}
