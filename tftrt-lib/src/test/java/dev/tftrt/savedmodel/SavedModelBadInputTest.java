package dev.tftrt.savedmodel;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.TftrtException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;

/**
 * Issue 8, SavedModel bad input: each case is one {@link TftrtException} whose single-line message names the
 * problem and the fix, and the directory given is left exactly as it was.
 */
class SavedModelBadInputTest {
  @TempDir Path dir;

  @Test
  void aMissingDirectory() throws IOException {
    assertRefused(dir.resolve("nowhere"), "does not exist", "give the directory that holds saved_model.pb");
  }

  @Test
  void aFileInsteadOfADirectory() throws IOException {
    Path file = Files.writeString(dir.resolve("model.pb"), "x");
    assertRefused(file, "is a file", "a SavedModel is a directory holding saved_model.pb and variables/");
  }

  @Test
  void aDirectoryThatIsNotASavedModel() throws IOException {
    Files.writeString(dir.resolve("notes.txt"), "not a model");
    assertRefused(dir, "is not a SavedModel: it has no saved_model.pb",
        "give the directory that tf.saved_model.save or SavedModelBundle.exporter wrote");
  }

  @Test
  void aTextSavedModel() throws IOException {
    Files.writeString(dir.resolve("saved_model.pbtxt"), "meta_graphs {}");
    assertRefused(dir, "it has saved_model.pbtxt", "save it again in binary form (saved_model.pb)");
  }

  @Test
  void aCorruptSavedModelPb() throws IOException {
    Path model = ModelDirs.copy(ModelDirs.KWS, dir.resolve("kws"));
    byte[] garbage = new byte[4096];
    Arrays.fill(garbage, (byte) 0xff);
    Files.write(model.resolve("saved_model.pb"), garbage);
    assertRefused(model, "saved_model.pb is truncated or corrupt", "export the model again or copy it again in full");
  }

  @Test
  void aTruncatedSavedModelPb() throws IOException {
    Path model = ModelDirs.copy(ModelDirs.LENET, dir.resolve("lenet"));
    Path pb = model.resolve("saved_model.pb");
    Files.write(pb, Arrays.copyOf(Files.readAllBytes(pb), (int) Files.size(pb) / 3));
    assertRefused(model, "saved_model.pb is truncated or corrupt", "export the model again or copy it again in full");
  }

  @Test
  void anEmptySavedModelPb() throws IOException {
    Path model = ModelDirs.copy(ModelDirs.MLP, dir.resolve("mlp"));
    Files.write(model.resolve("saved_model.pb"), new byte[0]);
    assertRefused(model, "saved_model.pb is empty or corrupt", "export the model again or copy it again in full");
  }

  @Test
  void aMissingVariablesShard() throws IOException {
    Path model = ModelDirs.copy(ModelDirs.KWS, dir.resolve("kws"));
    Files.delete(model.resolve("variables/variables.data-00000-of-00001"));
    assertRefused(model, "variables.data-", "copy the whole variables/ folder along with saved_model.pb");
  }

  @Test
  void oneOfSeveralVariablesShardsMissingIsNamed() throws IOException {
    Path model = ModelDirs.copy(ModelDirs.KWS, dir.resolve("kws"));
    Path vars = model.resolve("variables");
    Files.move(vars.resolve("variables.data-00000-of-00001"), vars.resolve("variables.data-00000-of-00002"));
    assertRefused(model, "is missing variables/variables.data-00001-of-00002 (shard 2 of 2",
        "copy the whole variables/ folder along with saved_model.pb");
  }

  @Test
  void aMissingVariablesIndex() throws IOException {
    Path model = ModelDirs.copy(ModelDirs.LENET, dir.resolve("lenet"));
    Files.delete(model.resolve("variables/variables.index"));
    assertRefused(model, "no variables/variables.index", "copy the whole variables/ folder along with saved_model.pb");
  }

  @Test
  void aTruncatedVariablesShard() throws IOException {
    Path model = ModelDirs.copy(ModelDirs.MLP, dir.resolve("mlp"));
    Path shard = model.resolve("variables/variables.data-00000-of-00001");
    Files.write(shard, Arrays.copyOf(Files.readAllBytes(shard), 100));
    assertRefused(model, "could not restore the variables", "copy the whole variables/ folder along with saved_model.pb");
  }

  @Test
  void anUnknownTagListsTheAvailableTagSets() throws IOException {
    assertRefused(ModelDirs.KWS, "gpu", "serving_default", "has no MetaGraphDef tagged 'gpu'",
        "available tag sets: 'serve'");
  }

  @Test
  void noTagAtAll() throws IOException {
    assertRefused(ModelDirs.KWS, " , ", "serving_default", "no tag given", "usually tagged 'serve'");
  }

  @Test
  void anUnknownSignatureListsTheAvailableOnes() throws IOException {
    assertRefused(ModelDirs.LENET, "serve", "classify", "has no signature 'classify'", "available: serving_default");
  }

  @Test
  void anOpTensorFlowDoesNotDefine() throws IOException {
    Path model = ModelDirs.copy(ModelDirs.LENET, dir.resolve("lenet"));
    Path pb = model.resolve("saved_model.pb");
    SavedModel.Builder proto = SavedModel.parseFrom(Files.readAllBytes(pb)).toBuilder();
    GraphDef.Builder graph = proto.getMetaGraphsBuilder(0).getGraphDefBuilder();
    for (NodeDef.Builder n : graph.getNodeBuilderList()) {
      if (n.getOp().equals("Relu")) {
        n.setOp("FancyRelu");
      }
    }
    Files.write(pb, proto.build().toByteArray());
    assertRefused(model, "uses op FancyRelu (node '", "only ops of core TensorFlow can be frozen");
  }

  private static void assertRefused(Path model, String problem, String fix) throws IOException {
    assertRefused(model, SavedModelFreezer.DEFAULT_TAG, SavedModelFreezer.DEFAULT_SIGNATURE, problem, fix);
  }

  private static void assertRefused(Path model, String tag, String signature, String problem, String fix)
      throws IOException {
    Map<String, byte[]> before = ModelDirs.snapshot(model);
    boolean existed = Files.exists(model);
    TftrtException e = assertThrows(TftrtException.class, () -> SavedModelFreezer.freeze(model, tag, signature));
    String m = e.getMessage();
    assertTrue(m.contains(problem), "names the problem (" + problem + "): " + m);
    assertTrue(m.contains(fix), "names the fix (" + fix + "): " + m);
    assertFalse(m.contains("\n"), "one line: " + m);
    assertTrue(Files.exists(model) == existed, "nothing created or deleted");
    ModelDirs.assertUnchanged(before, model);
  }
}
