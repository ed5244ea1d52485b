package dev.tftrt.cli;

import dev.tftrt.TftrtException;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.TrtGraphConverterV2;
import dev.tftrt.figures.CourseFigures;
import dev.tftrt.figures.Graphviz;
import dev.tftrt.plan.ConversionPlan;
import dev.tftrt.zoo.ModelZoo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tftrt images [--out images/]}: regenerates the course's figures from a real model's graph (by default
 * the zoo's Inception block, written afresh with TensorFlow Java): the network before optimization, after
 * vertical and after horizontal fusion, and the workflow, as SVG, PNG and DOT.
 */
@Command(name = "images", mixinStandardHelpOptions = true,
    description = {"Regenerate the course's figures from a real model's conversion plan, laid out by Graphviz:",
        "network-original, network-vertical-fusion, network-horizontal-fusion and workflow (.svg, .png, .dot)."})
public final class ImagesCommand implements Callable<Integer> {
  @Option(names = "--out", defaultValue = "images", paramLabel = "<dir>",
      description = "where the figures go (created if needed; files replaced atomically; default: images)")
  Path out;

  @Option(names = "--model", paramLabel = "<saved-model-dir>",
      description = "draw this SavedModel instead of the zoo's inception-block")
  Path model;

  @Override
  public Integer call() {
    Graphviz graphviz = Graphviz.find();
    Path source = model;
    Path scratch = null;
    try {
      if (source == null) {
        scratch = Files.createTempDirectory("tftrt-images-");
        source = ModelZoo.create(ModelZoo.INCEPTION_BLOCK, scratch.resolve(ModelZoo.INCEPTION_BLOCK));
      }
      String name = model == null ? ModelZoo.INCEPTION_BLOCK : model.toAbsolutePath().normalize().getFileName()
          .toString();
      ConversionPlan plan = new TrtGraphConverterV2(source, TrtConversionParams.defaults()).convert();
      List<CourseFigures.Figure> figures = CourseFigures.of(plan, name);
      List<Path> written = CourseFigures.write(figures, graphviz, out);
      for (CourseFigures.Figure f : figures) {
        System.out.println(f.name() + ": " + f.caption());
      }
      System.out.println("wrote " + written.size() + " files to " + out.toAbsolutePath().normalize());
      return 0;
    } catch (IOException e) {
      throw new TftrtException("could not make a scratch folder for the model: " + e.getMessage(), e);
    } finally {
      if (scratch != null) {
        deleteTree(scratch);
      }
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary folder left behind is harmless
    }
  }
}
