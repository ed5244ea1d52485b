package dev.tftrt.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.tftrt.TftrtException;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.TrtGraphConverterV2;
import dev.tftrt.engine.Availability;
import dev.tftrt.engine.Engine;
import dev.tftrt.engine.TensorRtBackend;
import dev.tftrt.engine.TensorRtBackends;
import dev.tftrt.figures.CourseFigures;
import dev.tftrt.figures.Graphviz;
import dev.tftrt.io.AtomicFiles;
import dev.tftrt.plan.ConversionPlan;
import dev.tftrt.plan.Segment;
import dev.tftrt.runtime.ConvertedModelFiles;
import dev.tftrt.runtime.EngineFusions;
import dev.tftrt.runtime.EnginePlan;
import dev.tftrt.runtime.SegmentPlans;
import dev.tftrt.runtime.SegmentSpec;
import dev.tftrt.zoo.ModelZoo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tftrt images [--out images/]}: regenerates the course's figures from a real model's graph (by default
 * the zoo's Inception block, written afresh with TensorFlow Java): the network before optimization, after
 * vertical and after horizontal fusion, and the workflow. The fusions are TensorRT's own where it can tell:
 * with TensorRT here the engines are built and their engine inspector's layers decide (mapped back to TF nodes by
 * {@link EngineFusions}, and kept in {@code <model>-tensorrt-layers.json} beside the figures);
 * {@code --engine-layers} reads such a file from a GPU machine; otherwise the planner's expected fusions are drawn.
 */
@Command(name = "images", mixinStandardHelpOptions = true,
    description = {"Regenerate the course's figures from a real model's conversion plan, laid out by Graphviz:",
        "network-original, network-vertical-fusion, network-horizontal-fusion and workflow.",
        "Fusions come from TensorRT's built engines when TensorRT is here (their inspector's layers are saved as "
            + "<model>-tensorrt-layers.json), from --engine-layers, else from the planner's preview."})
public final class ImagesCommand implements Callable<Integer> {
  @Option(names = "--out", defaultValue = "images", paramLabel = "<dir>",
      description = "where the figures go (created if needed; files replaced atomically; default: images)")
  Path out;

  @Option(names = "--model", paramLabel = "<saved-model-dir>",
      description = "draw this SavedModel instead of the zoo's inception-block")
  Path model;

  @Option(names = "--engine-layers", paramLabel = "<file.json>",
      description = "the engine layers this command saved on a GPU machine: draw the fusions TensorRT made")
  Path engineLayers;

  @Option(names = "--formats", split = ",", defaultValue = "dot,svg,png", paramLabel = "dot,svg,png",
      description = "files to write per figure (default: ${DEFAULT-VALUE})")
  List<String> formats;

  @Override
  public Integer call() {
    Graphviz graphviz = Graphviz.find();
    Path scratch = null;
    try {
      scratch = Files.createTempDirectory("tftrt-images-");
      Path source = model != null ? model : ModelZoo.create(ModelZoo.INCEPTION_BLOCK,
          scratch.resolve(ModelZoo.INCEPTION_BLOCK));
      String name = model == null ? ModelZoo.INCEPTION_BLOCK : model.toAbsolutePath().normalize().getFileName()
          .toString();
      TrtGraphConverterV2 converter = new TrtGraphConverterV2(source, TrtConversionParams.defaults());
      ConversionPlan plan = converter.convert();
      CourseFigures.LayerFusions fusions = CourseFigures.LayerFusions.expected(plan.fusions());
      TensorRtBackend tensorRt = TensorRtBackends.system();
      if (engineLayers != null) {
        fusions = fromFile(engineLayers, plan);
      } else if (tensorRt.availability().available()) {
        JsonObject layers = tensorRtLayers(converter, tensorRt, scratch.resolve("converted"));
        Path file = out.resolve(name + "-tensorrt-layers.json");
        Files.createDirectories(out);
        AtomicFiles.writeAtomically(file, (new GsonBuilder().setPrettyPrinting().create().toJson(layers) + "\n")
            .getBytes(StandardCharsets.UTF_8));
        System.out.println("TensorRT's layers: " + file);
        fusions = fromFile(file, plan);
      }
      List<CourseFigures.Figure> figures = CourseFigures.of(plan, name, fusions);
      List<Path> written = CourseFigures.write(figures, graphviz, out, formats);
      for (CourseFigures.Figure f : figures) {
        System.out.println(f.name() + ": " + f.caption());
      }
      System.out.println("wrote " + written.size() + " files to " + out.toAbsolutePath().normalize());
      return 0;
    } catch (IOException e) {
      throw new TftrtException("could not write the figures: " + e.getMessage(), e);
    } finally {
      if (scratch != null) {
        AtomicFiles.deleteTree(scratch);
      }
    }
  }

  /**
   * Builds the plan's engines, saves them, and reads back each one's layers through TensorRT's engine inspector:
   * {@code {"tensorRt": "TensorRT <version> on <GPU>", "segments": {"<segment>": [<inspector JSON per engine>]}}}.
   */
  private static JsonObject tensorRtLayers(TrtGraphConverterV2 converter, TensorRtBackend tensorRt, Path saved)
      throws IOException {
    converter.build(null).close();
    converter.save(saved);
    JsonObject segments = new JsonObject();
    for (SegmentPlans segment : ConvertedModelFiles.read(saved).contents().segments()) {
      JsonArray engines = new JsonArray();
      for (EnginePlan plan : segment.engines()) {
        if (plan.usable()) {
          try (Engine engine = tensorRt.deserialize(plan.plan())) {
            engines.add(JsonParser.parseString(engine.layerInformationJson()));
          }
        }
      }
      if (!engines.isEmpty()) {
        segments.add(segment.spec().name(), engines);
      }
    }
    Availability a = tensorRt.availability();
    JsonObject o = new JsonObject();
    o.addProperty("tensorRt", "TensorRT " + a.tensorRtVersion() + " on " + a.gpuName());
    o.add("segments", segments);
    return o;
  }

  /** The fusions in a layer file of {@link #tensorRtLayers}, mapped onto {@code plan}'s segments. */
  private static CourseFigures.LayerFusions fromFile(Path file, ConversionPlan plan) {
    String tensorRt;
    Map<String, List<String>> inspectedBySegment = new LinkedHashMap<>();
    try {
      JsonObject o = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
      tensorRt = o.get("tensorRt").getAsString();
      for (Map.Entry<String, JsonElement> segment : o.getAsJsonObject("segments").entrySet()) {
        List<String> engines = new ArrayList<>();
        segment.getValue().getAsJsonArray().forEach(e -> engines.add(e.toString()));
        inspectedBySegment.put(segment.getKey(), engines);
      }
    } catch (IOException | JsonParseException | IllegalStateException | ClassCastException
        | UnsupportedOperationException | NullPointerException e) {
      throw new TftrtException("--engine-layers " + file + " is not a layer file written by tftrt images on a GPU"
          + " machine ({\"tensorRt\": ..., \"segments\": {\"<segment>\": [<inspector JSON>, ...]}}): "
          + e.getMessage(), e);
    }
    List<String> planned = plan.segments().stream().map(Segment::name).toList();
    for (String name : inspectedBySegment.keySet()) {
      if (!planned.contains(name)) {
        throw new TftrtException("--engine-layers " + file + " has segment '" + name + "', which this model's plan"
            + " does not (" + String.join(", ", planned) + "): give the layer file of the same model");
      }
    }
    Map<SegmentSpec, List<String>> inspected = new LinkedHashMap<>();
    plan.segments().stream().filter(s -> inspectedBySegment.containsKey(s.name()))
        .forEach(s -> inspected.put(SegmentSpec.of(s), inspectedBySegment.get(s.name())));
    try {
      return CourseFigures.LayerFusions.built(EngineFusions.of(plan.graph(), inspected, Map.of()),
          plan.graph(), "as " + tensorRt + " fused it");
    } catch (TftrtException e) {
      throw new TftrtException("--engine-layers " + file + ": " + e.getMessage(), e);
    }
  }
}
