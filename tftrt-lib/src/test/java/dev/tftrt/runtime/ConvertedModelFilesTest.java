package dev.tftrt.runtime;

import static dev.tftrt.ConverterFixtures.assertSameOutput;
import static dev.tftrt.ConverterFixtures.smallCnnBatch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.tftrt.ConverterFixtures;
import dev.tftrt.TftrtException;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.TrtGraphConverterV2;
import dev.tftrt.bench.SavedModelTarget;
import dev.tftrt.engine.Availability;
import dev.tftrt.engine.ForwardingTensorRtBackend;
import dev.tftrt.engine.TensorRtBackend;
import dev.tftrt.engine.UnavailableBackend;
import dev.tftrt.io.AtomicFiles;
import dev.tftrt.zoo.GeneratedModels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The converted model on disk: what is written, what is reused, and every damaged or hostile directory. */
class ConvertedModelFilesTest {
  private static Path model;
  private static SavedModelTarget reference;

  @TempDir
  Path tmp;
  private TensorFlowEngines engines;
  private Path saved;

  @BeforeAll
  static void loadReference() {
    model = GeneratedModels.smallCnn();
    reference = SavedModelTarget.load(model);
  }

  @AfterAll
  static void closeReference() {
    reference.close();
  }

  @BeforeEach
  void convertAndSave() {
    engines = new TensorFlowEngines();
    TrtGraphConverterV2 c = converter();
    c.build(List.of(smallCnnBatch(1, 1))).close();
    saved = c.save(tmp.resolve("converted"));
  }

  @AfterEach
  void closeEngines() {
    engines.close();
  }

  private TrtGraphConverterV2 converter() {
    return ConverterFixtures.converter(model, TrtConversionParams.builder().maxBatchSize(4).build(),
        ConverterFixtures.SMALL_CNN_OPS).withBackend(engines.backend()).withNetworks(engines);
  }

  private ConvertedModel.Loader loader(TensorRtBackend backend) {
    return ConvertedModel.loader().backend(backend).networks(engines);
  }

  private static void assertNative(ConvertedModel m) {
    assertSameOutput(reference, m, smallCnnBatch(3, 9), 1e-6);
  }


  private JsonObject manifest() throws IOException {
    return JsonParser.parseString(Files.readString(saved.resolve("manifest.json"))).getAsJsonObject();
  }

  private void writeManifest(JsonObject m) throws IOException {
    Files.writeString(saved.resolve("manifest.json"), m.toString(), StandardCharsets.UTF_8);
  }

  private Path firstPlan() throws IOException {
    return saved.resolve(manifest().getAsJsonArray("segments").get(0).getAsJsonObject().getAsJsonArray("engines")
        .get(0).getAsJsonObject().getAsJsonObject("plan").get("path").getAsString());
  }

  @Test
  void theDirectoryHoldsManifestGraphAndOnePlanPerSegmentAndProfile() throws IOException {
    JsonObject m = manifest();
    assertEquals("tftrt-converted-model", m.get("format").getAsString());
    assertEquals(1, m.get("formatVersion").getAsInt());
    assertEquals(4, m.getAsJsonObject("params").get("maxBatchSize").getAsInt());
    assertFalse(m.get("tensorflowVersion").getAsString().isEmpty());
    assertEquals("recording backend (no GPU)", m.getAsJsonObject("builtWith").get("gpuName").getAsString());
    assertEquals("recording", m.getAsJsonObject("builtWith").get("tensorRtVersion").getAsString());
    assertEquals(model.toAbsolutePath().toString(), m.getAsJsonObject("source").get("savedModel").getAsString());
    assertEquals("input", m.getAsJsonArray("inputs").get(0).getAsJsonObject().get("key").getAsString());
    assertEquals(2, m.getAsJsonArray("segments").size());
    JsonObject engine = m.getAsJsonArray("segments").get(1).getAsJsonObject().getAsJsonArray("engines").get(0)
        .getAsJsonObject();
    assertEquals("engines/01-TRTEngineOp_001/profile-0.plan", engine.getAsJsonObject("plan").get("path")
        .getAsString());
    assertEquals(4, engine.getAsJsonArray("profile").get(0).getAsJsonObject().getAsJsonArray("max").get(0)
        .getAsInt());
    assertTrue(Files.isRegularFile(saved.resolve("graph.pb")));
    assertTrue(Files.isRegularFile(saved.resolve("engines/00-TRTEngineOp_000/profile-0.plan")));
    try (Stream<Path> siblings = Files.list(tmp)) {
      assertEquals(List.of(saved), siblings.toList(), "no temporary directory left beside the output");
    }
  }

  @Test
  void loadingOnTheSameMachineReusesTheEngines() {
    int built = engines.backend().builds().size();
    try (ConvertedModel m = loader(engines.backend()).load(saved)) {
      assertNative(m);
      assertEquals(built, engines.backend().builds().size(), "nothing rebuilt");
      assertEquals(2, engines.engineRuns.get());
      assertEquals(List.of(), m.fallbacks());
      assertEquals(List.of(), m.messages());
    }
  }

  @Test
  void withoutTensorRtEverySegmentRunsNativelyAndSavingAgainKeepsThePlans() {
    Path again = tmp.resolve("again");
    try (ConvertedModel m = loader(new UnavailableBackend("no GPU on this machine")).load(saved)) {
      assertNative(m);
      assertEquals(2, m.fallbacks().size());
      m.fallbacks().forEach(f -> assertEquals(FallbackReason.TENSORRT_UNAVAILABLE, f.reason()));
      assertTrue(m.messages().get(0).contains("no GPU on this machine"), m.messages().toString());
      m.save(again);
    }
    int built = engines.backend().builds().size();
    try (ConvertedModel m = loader(engines.backend()).load(again)) {
      assertNative(m);
      assertEquals(built, engines.backend().builds().size(), "the plans came through the machine without GPU");
      assertEquals(List.of(), m.fallbacks());
    }
  }

  @Test
  void plansFromAnotherGpuAreRebuiltOrFallBack() {
    TensorRtBackend h100 = new OtherMachine(engines.backend(), "NVIDIA H100 80GB HBM3", "9.0", "8.6.1");
    int built = engines.backend().builds().size();
    try (ConvertedModel m = loader(h100).load(saved)) {
      assertEquals(built + 2, engines.backend().builds().size(), "both segments rebuilt");
      assertTrue(m.messages().get(0).startsWith("the engines were built for recording backend (no GPU)"),
          m.messages().toString());
      assertTrue(m.messages().get(0).contains("NVIDIA H100 80GB HBM3") && m.messages().get(0).endsWith("rebuilding them"),
          m.messages().toString());
      assertNative(m);
      assertEquals(List.of(), m.fallbacks());
    }
    try (ConvertedModel m = loader(h100).rebuild(false).load(saved)) {
      assertNative(m);
      assertEquals(2, m.fallbacks().size());
      assertEquals(FallbackReason.PLAN_UNUSABLE, m.fallbacks().get(0).reason());
      assertEquals("built for another GPU or TensorRT version", m.fallbacks().get(0).detail());
    }
  }

  @Test
  void aTruncatedPlanIsFoundAndRebuiltOrFallsBack() throws IOException {
    Path plan = firstPlan();
    byte[] bytes = Files.readAllBytes(plan);
    Files.write(plan, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    int built = engines.backend().builds().size();
    try (ConvertedModel m = loader(engines.backend()).load(saved)) {
      assertTrue(m.messages().get(0).equals("segment 'TRTEngineOp_000': engines/00-TRTEngineOp_000/profile-0.plan "
          + "is truncated (" + bytes.length / 2 + " of " + bytes.length + " bytes)"), m.messages().toString());
      assertEquals(built + 1, engines.backend().builds().size(), "the damaged one rebuilt");
      assertNative(m);
      assertEquals(List.of(), m.fallbacks());
    }
    try (ConvertedModel m = loader(engines.backend()).rebuild(false).load(saved)) {
      assertNative(m);
      assertEquals(1, m.fallbacks().size());
      assertEquals(FallbackReason.PLAN_UNUSABLE, m.fallbacks().get(0).reason());
      assertTrue(m.fallbacks().get(0).detail().contains("is truncated"), m.fallbacks().toString());
    }
  }

  @Test
  void aMissingOrCorruptPlanIsFound() throws IOException {
    Path plan = firstPlan();
    byte[] bytes = Files.readAllBytes(plan);
    Files.delete(plan);
    try (ConvertedModel m = loader(engines.backend()).rebuild(false).load(saved)) {
      assertEquals(FallbackReason.PLAN_UNUSABLE, m.segments().isEmpty() ? null
          : FallbackReason.valueOf(m.segments().get(0).runsNativelyBecause().split(":")[0]));
      assertTrue(m.messages().get(0).endsWith("profile-0.plan is missing"), m.messages().toString());
      assertNative(m);
    }
    bytes[bytes.length / 2] ^= 0x5a;
    Files.write(plan, bytes);
    try (ConvertedModel m = loader(engines.backend()).rebuild(false).load(saved)) {
      assertTrue(m.messages().get(0).endsWith("is corrupt (its SHA-256 differs from the manifest's)"),
          m.messages().toString());
      assertNative(m);
    }
  }

  @Test
  void aManifestFromANewerFormatIsRefused() throws IOException {
    JsonObject m = manifest();
    m.addProperty("formatVersion", 7);
    writeManifest(m);
    TftrtException e = assertThrows(TftrtException.class, () -> loader(engines.backend()).load(saved));
    assertEquals(saved + " was written in converted-model format version 7 by a newer tftrt; this version reads "
        + "format 1 and older: upgrade tftrt or convert the SavedModel again with this version", e.getMessage());
  }

  @Test
  void aManifestNamingNodesTheGraphLacksIsRefused() throws IOException {
    JsonObject m = manifest();
    m.getAsJsonArray("segments").get(0).getAsJsonObject().getAsJsonArray("nodes").add("no_such_node");
    writeManifest(m);
    TftrtException e = assertThrows(TftrtException.class, () -> loader(engines.backend()).load(saved));
    assertEquals("the converted model in " + saved + " does not hold together (segment 'TRTEngineOp_000' names "
        + "node 'no_such_node', which is not in the graph); convert the SavedModel again", e.getMessage());
  }

  @Test
  void aPathLeavingTheModelDirectoryIsRefused() throws IOException {
    Files.write(tmp.resolve("outside.pb"), new byte[] {1, 2, 3});
    for (String path : new String[] {"../outside.pb", tmp.resolve("outside.pb").toString(),
        "engines/../../outside.pb"}) {
      JsonObject m = manifest();
      m.getAsJsonObject("graph").addProperty("path", path);
      writeManifest(m);
      TftrtException e = assertThrows(TftrtException.class, () -> loader(engines.backend()).load(saved));
      assertEquals(saved.resolve("manifest.json") + " names the file '" + path + "', which is outside the model "
          + "directory; refused (a converted model only reads its own files)", e.getMessage());
    }
  }

  @Test
  void aLinkLeavingTheModelDirectoryIsRefused() throws IOException {
    Path plans = saved.resolve("engines/00-TRTEngineOp_000");
    Path elsewhere = Files.createDirectory(tmp.resolve("elsewhere"));
    Files.copy(plans.resolve("profile-0.plan"), elsewhere.resolve("profile-0.plan"));
    AtomicFiles.deleteTree(plans);
    Files.createSymbolicLink(plans, elsewhere);
    TftrtException e = assertThrows(TftrtException.class, () -> loader(engines.backend()).load(saved));
    assertTrue(e.getMessage().contains("'engines/00-TRTEngineOp_000/profile-0.plan', which is outside the model "
        + "directory; refused"), e.getMessage());
  }

  @Test
  void whatIsNotAConvertedModelSaysSo() {
    TftrtException e = assertThrows(TftrtException.class, () -> ConvertedModel.loader().load(model));
    assertEquals(model.toAbsolutePath() + " is not a converted model (no manifest.json); it is a SavedModel: "
        + "convert it first with `tftrt convert` or TrtGraphConverterV2", e.getMessage());
    e = assertThrows(TftrtException.class, () -> ConvertedModel.loader().load(tmp.resolve("nothing")));
    assertTrue(e.getMessage().startsWith("no converted model at " + tmp.resolve("nothing")), e.getMessage());
  }

  @Test
  void savingNeverTouchesTheSavedModelItCameFrom() throws IOException {
    List<Path> before;
    try (Stream<Path> s = Files.walk(model)) {
      before = s.toList();
    }
    TrtGraphConverterV2 c = converter();
    c.convert();
    for (Path target : new Path[] {model, model.resolve("variables"), model.resolve("sub/dir"), model.getParent()}) {
      TftrtException e = assertThrows(TftrtException.class, () -> c.save(target));
      assertTrue(e.getMessage().startsWith("refusing to write the converted model to " + target.toAbsolutePath()),
          e.getMessage());
      assertTrue(e.getMessage().endsWith("the SavedModel it was converted from (" + model
          + "); give another output directory"), e.getMessage());
    }
    try (Stream<Path> s = Files.walk(model)) {
      assertEquals(before, s.toList());
    }
  }

  @Test
  void savingReplacesAConvertedModelButNoOtherDirectory() throws IOException {
    Path other = Files.createDirectories(tmp.resolve("photos"));
    Files.writeString(other.resolve("cat.jpg"), "meow");
    TrtGraphConverterV2 c = converter();
    c.convert();
    TftrtException e = assertThrows(TftrtException.class, () -> c.save(other));
    assertEquals(other + " is not empty and is not a converted model (no manifest.json); it is not overwritten: "
        + "give a new directory", e.getMessage());
    assertEquals("meow", Files.readString(other.resolve("cat.jpg")));

    long before = Files.size(saved.resolve("manifest.json"));
    c.save(saved);
    assertTrue(Files.size(saved.resolve("manifest.json")) < before, "replaced by the model without engines");
    assertFalse(Files.exists(saved.resolve("engines")));
    try (ConvertedModel m = loader(engines.backend()).load(saved)) {
      assertNative(m);
      assertEquals(4, engines.backend().builds().size(), "no plans: both segments built at run time");
    }
  }

  /** The recording backend, claiming to be another machine. */
  private record OtherMachine(TensorRtBackend delegate, String gpu, String cc, String trt)
      implements ForwardingTensorRtBackend {
    @Override
    public Availability availability() {
      return new Availability(true, "", gpu, cc, "13.0", "12.3", trt);
    }
  }
}
