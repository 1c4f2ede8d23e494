package footfall.spark;

import java.util.List;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.analysis.TypeCheckResult;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ImplicitCastInputTypes;
import org.apache.spark.sql.catalyst.expressions.codegen.CodeBlock;
import org.apache.spark.sql.catalyst.expressions.codegen.CodeGenerator;
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenContext;
import org.apache.spark.sql.catalyst.expressions.codegen.ExprCode;
import org.apache.spark.sql.catalyst.expressions.codegen.JavaCode;
import org.apache.spark.sql.types.AbstractDataType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * A function of footfall's session extension: a Catalyst expression over its arguments that calls
 * one static Java method per row, in generated code and when interpreted alike. Null when any
 * argument is null; arguments are cast to the declared input types as Spark casts built-ins'.
 */
abstract class NativeFunction extends Expression
    implements ImplicitCastInputTypes, java.io.Serializable {
  private static final long serialVersionUID = 1L;
  private final String name;
  private final DataType type;
  private final List<Expression> args;

  NativeFunction(String name, DataType type, List<Expression> args) {
    this.name = name;
    this.type = type;
    this.args = List.copyOf(args);
  }

  /** A struct type of the fields (name, type, name, type, ...), all nullable or none. */
  static StructType struct(boolean nullable, Object... nameAndType) {
    StructField[] fields = new StructField[nameAndType.length / 2];
    for (int i = 0; i < fields.length; i++) {
      String name = (String) nameAndType[2 * i];
      fields[i] = DataTypes.createStructField(name, (DataType) nameAndType[2 * i + 1], nullable);
    }
    return new StructType(fields);
  }

  /** The same function over other arguments. */
  abstract NativeFunction withArgs(List<Expression> args);

  /** The declared input types, one per argument. */
  abstract List<AbstractDataType> argTypes();

  /** The Java statement that sets `value` (and `isNull`, when the call can give no value). */
  abstract String call(String value, String isNull, List<String> argValues);

  /** Java code that calls this class's static `method` on the arguments' values. */
  String invoke(String method, List<String> argValues) {
    return getClass().getName() + "." + method + "(" + String.join(", ", argValues) + ")";
  }

  /** The value from the arguments' values, none of them null (interpreted evaluation). */
  abstract Object apply(Object[] values);

  List<Expression> args() {
    return args;
  }

  @Override
  public Object eval(InternalRow row) {
    Object[] values = new Object[args.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = args.get(i).eval(row);
      if (values[i] == null) {
        return null;
      }
    }
    return apply(values);
  }

  @Override
  public DataType dataType() {
    return type;
  }

  @Override
  public String prettyName() {
    return name;
  }

  @Override
  public Seq<Expression> children() {
    return CollectionConverters.asScala(args).toSeq();
  }

  @Override
  public Seq<AbstractDataType> inputTypes() {
    return CollectionConverters.asScala(argTypes()).toSeq();
  }

  @Override
  public TypeCheckResult checkInputDataTypes() {
    return ImplicitCastInputTypes.super.checkInputDataTypes();
  }

  @Override
  public boolean nullable() {
    return true;
  }

  @Override
  public ExprCode doGenCode(CodegenContext ctx, ExprCode ev) {
    StringBuilder code = new StringBuilder();
    StringBuilder anyNull = new StringBuilder("false");
    List<String> values = new java.util.ArrayList<>();
    for (Expression arg : args) {
      ExprCode c = arg.genCode(ctx);
      code.append(c.code()).append('\n');
      anyNull.append(" || ").append(c.isNull());
      values.add(c.value().toString());
    }
    String type = CodeGenerator.javaType(dataType());
    code.append("boolean ").append(ev.isNull()).append(" = ").append(anyNull).append(";\n");
    code.append(type).append(' ').append(ev.value()).append(" = ")
        .append(CodeGenerator.defaultValue(dataType(), true)).append(";\n");
    code.append("if (!").append(ev.isNull()).append(") {\n")
        .append(call(ev.value().toString(), ev.isNull().toString(), values)).append("\n}");
    CodeBlock block =
        new CodeBlock(
            CollectionConverters.asScala(List.of(code.toString())).toSeq(),
            CollectionConverters.asScala(List.<JavaCode>of()).toSeq());
    return ev.copy(block, ev.isNull(), ev.value());
  }

  @Override
  public Expression withNewChildrenInternal(IndexedSeq<Expression> children) {
    return withArgs(CollectionConverters.asJava(children));
  }

  @Override
  public int productArity() {
    return args.size();
  }

  @Override
  public Object productElement(int n) {
    return args.get(n);
  }

  @Override
  public boolean canEqual(Object other) {
    return other != null && other.getClass() == getClass();
  }

  @Override
  public boolean equals(Object other) {
    return canEqual(other) && args.equals(((NativeFunction) other).args);
  }

  @Override
  public int hashCode() {
    return getClass().hashCode() * 31 + args.hashCode();
  }
}
