package footfall.spark;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.types.AbstractDataType;
import org.apache.spark.sql.types.BinaryType$;

/**
 * {@code footfall_hmac_sha256(ipad, opad, message)}: HMAC-SHA256 (RFC 2104) of a binary message
 * under a key given as its two padded blocks, (K ^ ipad) and (K ^ opad), as 32 bytes.
 *
 * <p>SHA256((K ^ opad) || SHA256((K ^ ipad) || message)), the same bytes as footfall's built-in
 * expression of two {@code sha2} calls over {@code concat} (`footfall.privacy.tokens`), without its
 * four conversions between bytes and hex text per row. The padded keys are columns (of a tiny
 * broadcast frame), never literals, so no key material is printed in a plan. Null when any input
 * is null; a text message is cast to its UTF-8 bytes.
 */
public final class HmacSha256 extends NativeFunction {
  private static final long serialVersionUID = 1L;
  public static final String NAME = "footfall_hmac_sha256";
  private static final AbstractDataType BINARY = BinaryType$.MODULE$;
  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("SHA-256 is not available", e);
            }
          });

  public HmacSha256(List<Expression> args) {
    super(NAME, BinaryType$.MODULE$, args);
  }

  /** The HMAC of message from the padded key blocks (called by the generated code). */
  public static byte[] digest(byte[] ipad, byte[] opad, byte[] message) {
    MessageDigest sha = SHA256.get();
    sha.update(ipad);
    sha.update(message);
    byte[] inner = sha.digest();
    sha.update(opad);
    sha.update(inner);
    return sha.digest();
  }

  @Override
  NativeFunction withArgs(List<Expression> args) {
    return new HmacSha256(args);
  }

  @Override
  List<AbstractDataType> argTypes() {
    return List.of(BINARY, BINARY, BINARY);
  }

  @Override
  String call(String value, String isNull, List<String> a) {
    return value + " = " + invoke("digest", a) + ";";
  }

  @Override
  Object apply(Object[] v) {
    return digest((byte[]) v[0], (byte[]) v[1], (byte[]) v[2]);
  }
}
