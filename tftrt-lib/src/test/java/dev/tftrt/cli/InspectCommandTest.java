package dev.tftrt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.tftrt.savedmodel.ModelDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.proto.GraphDef;

class InspectCommandTest {
  static final Path KWS = ModelDirs.KWS;
  static final Path LENET = ModelDirs.LENET;
  static final Path MLP = ModelDirs.MLP;

  @TempDir Path dir;

  @Test
  void kwsResourceVariablesAndFunctionsAreFrozenAndTheFrozenGraphDefLoadsInTensorFlow() throws IOException {
    Path json = dir.resolve("out/kws.json");
    Path pb = dir.resolve("kws.pb");
    CliRun o = CliRun.of("inspect", KWS.toString(), "--json", json.toString(), "--graphdef", pb.toString());
    assertEquals(0, o.code(), o.err());
    assertTrue(o.out().contains("input_1: float32[?,49,10,1]  (serving_default_input_1:0)"), o.out());
    assertTrue(o.out().contains("dense: float32[?,12]"), o.out());
    assertTrue(o.out().contains("variables frozen into constants: 56"), o.out());
    assertTrue(o.out().contains("function calls inlined:          2"), o.out());
    assertTrue(o.out().contains("56  variable handle (value now a Const)"), o.out());
    assertTrue(row(o.out(), "VarHandleOp").equals("56 0"), "VarHandleOps are gone after freezing:\n" + o.out());
    assertEquals("5 5", row(o.out(), "Conv2D"), o.out());
    assertEquals("4 4", row(o.out(), "DepthwiseConv2dNative"), o.out());

    JsonObject j = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
    JsonObject frozen = j.getAsJsonObject("frozen");
    assertEquals(56, frozen.get("variablesFrozen").getAsInt());
    assertEquals(99, frozen.get("nodesAfter").getAsInt());
    assertEquals("[-1,49,10,1]", frozen.getAsJsonArray("inputs").get(0).getAsJsonObject().get("shape").toString());
    assertEquals("serving_default", j.getAsJsonArray("signatures").get(0).getAsJsonObject().get("key").getAsString());

    GraphDef def = GraphDef.parseFrom(Files.readAllBytes(pb));
    assertEquals(99, def.getNodeCount());
    try (Graph g = new Graph()) {
      g.importGraphDef(def);
      assertTrue(g.operation("serving_default_input_1") != null);
    }
  }

  @Test
  void lenetTf1VariablesBecomeConstantsAndTrainingNodesAreOutsideTheSignature() {
    CliRun o = CliRun.of("inspect", LENET.toString());
    assertEquals(0, o.code(), o.err());
    assertTrue(o.out().contains("input: float32[?,28,28,1]  (MyInput:0)"), o.out());
    assertTrue(o.out().contains("variables frozen into constants: 10"), o.out());
    assertTrue(o.out().contains("393  outside the signature"), o.out());
    assertEquals("10 0", row(o.out(), "VariableV2"), o.out());
  }

  @Test
  void mlpFunctionsAreInlined() {
    CliRun o = CliRun.of("inspect", MLP.toString(), "--tag", "serve", "--signature", "serving_default");
    assertEquals(0, o.code(), o.err());
    assertTrue(o.out().contains("flatten_2_input: float32[?,28,28]"), o.out());
    assertTrue(o.out().contains("function calls inlined:          2"), o.out());
    assertEquals("2 2", row(o.out(), "MatMul"), o.out());
    assertEquals("19 13", row(o.out(), "total"), o.out());
  }

  @Test
  void aMissingDirectoryIsOneMessageAndExitCodeTwo() {
    CliRun o = CliRun.of("inspect", dir.resolve("nowhere").toString());
    assertEquals(2, o.code());
    assertOneMessage(o, "does not exist");
  }

  @Test
  void aDirectoryThatIsNotASavedModelSaysWhatIsMissing() throws IOException {
    Files.writeString(dir.resolve("readme.txt"), "not a model");
    CliRun o = CliRun.of("inspect", dir.toString());
    assertEquals(2, o.code());
    assertOneMessage(o, "is not a SavedModel: it has no saved_model.pb");
  }

  @Test
  void aTruncatedSavedModelPbIsReportedAsCorruptAndLeftAsItWas() throws IOException {
    Path model = ModelDirs.copy(KWS, dir.resolve("kws"));
    byte[] whole = Files.readAllBytes(model.resolve("saved_model.pb"));
    byte[] half = Arrays.copyOf(whole, whole.length / 2);
    Files.write(model.resolve("saved_model.pb"), half);
    Map<String, byte[]> before = ModelDirs.snapshot(model);
    CliRun o = CliRun.of("inspect", model.toString());
    assertEquals(2, o.code());
    assertOneMessage(o, "is truncated or corrupt");
    ModelDirs.assertUnchanged(before, model);
  }

  @Test
  void anUnknownTagListsTheAvailableTagSets() {
    CliRun o = CliRun.of("inspect", KWS.toString(), "--tag", "train");
    assertEquals(2, o.code());
    assertOneMessage(o, "has no MetaGraphDef tagged 'train'; available tag sets: 'serve'");
  }

  @Test
  void anUnknownSignatureListsTheAvailableOnes() {
    CliRun o = CliRun.of("inspect", KWS.toString(), "--signature", "predict");
    assertEquals(2, o.code());
    assertOneMessage(o, "has no signature 'predict'; available: serving_default");
  }

  @Test
  void anOutputInsideTheInputModelIsRefusedBeforeAnythingIsWritten() throws IOException {
    Path model = ModelDirs.copy(MLP, dir.resolve("mlp"));
    Map<String, byte[]> before = ModelDirs.snapshot(model);
    CliRun o = CliRun.of("inspect", model.toString(), "--graphdef", model.resolve("frozen.pb").toString());
    assertEquals(2, o.code());
    assertOneMessage(o, "lies inside the input model");
    ModelDirs.assertUnchanged(before, model);
  }

  /** The before and after counts of {@code op} in the histogram, as "before after". */
  private static String row(String out, String op) {
    return out.lines().map(String::strip).filter(l -> l.startsWith(op + " ")).findFirst()
        .map(l -> l.substring(op.length()).strip().replaceAll("\\s+", " ")).orElse("(no row " + op + ")");
  }

  private static void assertOneMessage(CliRun o, String expected) {
    assertTrue(o.message().contains(expected), "stderr was:\n" + o.err());
    assertFalse(o.err().contains("\tat "), "no stack trace:\n" + o.err());
    assertFalse(o.out().contains("Signatures"), "nothing printed on stdout:\n" + o.out());
  }
}
