package dev.tftrt.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tftrt.ConverterFixtures;
import dev.tftrt.TftrtException;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.engine.UnavailableBackend;
import dev.tftrt.zoo.GeneratedModels;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TString;

/** Issue 8: string tensors, which the runtime cannot pass, are refused by name with what to do instead. */
class UnsupportedDtypeTest {
  @TempDir Path dir;

  /** A real SavedModel whose signature takes strings: text [-1] -> StringToNumber -> times 2 -> scaled. */
  private Path stringInputModel() {
    Path out = dir.resolve("parse");
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TString> text = tf.withName("text").placeholder(TString.class, Placeholder.shape(Shape.of(-1)));
      var scaled = tf.withName("scaled").math.mul(tf.strings.toNumber(text, TFloat32.class), tf.constant(2f));
      SavedModelBundle.exporter(out.toString()).withTags("serve").withSession(s).withSignature(
          Signature.builder().key("serving_default").input("text", text).output("scaled", scaled).build()).export();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out;
  }

  @Test
  void aModelWithStringInputsIsRefusedWhenBuiltNamingTheInputAndTheFix() {
    TftrtException e = assertThrows(TftrtException.class, () -> ConverterFixtures.converter(stringInputModel(),
        TrtConversionParams.defaults(), Set.of("Mul", "Const")).withBackend(new UnavailableBackend("no GPU"))
        .build(null));
    assertEquals("the model's input 'text' is string[?], which a converted model cannot pass: its inputs and "
        + "outputs must be float32, float64, float16, bfloat16, int32, int64, uint8, uint16, bool; keep string "
        + "processing outside the model (export a signature that starts after it, or ends before it)",
        e.getMessage());
  }

  @Test
  void aStringTensorGivenForAFloatInputIsAWrongDtype() {
    try (ConvertedModel m = ConverterFixtures.converter(GeneratedModels.smallCnn(), TrtConversionParams.defaults(),
        ConverterFixtures.SMALL_CNN_OPS).withBackend(new UnavailableBackend("no GPU")).build(null);
        TString words = TString.vectorOf("cat", "dog")) {
      TftrtException e = assertThrows(TftrtException.class, () -> m.run(Map.of("input", words)));
      assertEquals("the input: input 'input' is string but the model takes float32[?,32,32,3]", e.getMessage());
    }
  }
}
