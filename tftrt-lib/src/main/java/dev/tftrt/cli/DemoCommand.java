package dev.tftrt.cli;

import dev.tftrt.TftrtException;
import dev.tftrt.bench.InputSource;
import dev.tftrt.bench.PreparedRun;
import dev.tftrt.bench.SavedModelTarget;
import dev.tftrt.graph.TensorValue;
import dev.tftrt.io.AtomicFiles;
import dev.tftrt.runtime.ConvertedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tftrt demo <saved_model_dir>}: the workflow on one model, step by step, each step being the command a
 * user would run ({@code inspect}, {@code plan} with a what-if table, {@code convert}), then the converted model
 * loaded from disk and run against native TensorFlow on the same inputs. Finishes cleanly on a machine without
 * a GPU: the converted model's segments then run in TensorFlow, and it says why.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"The TF-TRT workflow on one SavedModel, one step per command: inspect (signatures, freezing), "
        + "plan (engines, ops left in TensorFlow and why, fusions, what-if minimum segment sizes), convert (engines "
        + "built where TensorRT is, the converted model saved), then the converted model loaded and compared with "
        + "native TensorFlow on random inputs. ./tftrt demo runs it on the bundled keyword-spotting model."})
public final class DemoCommand implements Callable<Integer> {
  static final String WHAT_IF_SIZES = "1,3,5,10";
  static final int COMPARE_BATCH = 8;
  static final long SEED = 42;

  @Parameters(index = "0", paramLabel = "<saved_model_dir>", description = "SavedModel (serve / serving_default)")
  Path model;

  @Option(names = "--output", paramLabel = "DIR",
      description = "keep the converted model there (default: a temporary directory, deleted at the end)")
  Path output;

  @Override
  public Integer call() {
    Path temp = null;
    try {
      Path converted = output;
      if (converted == null) {
        temp = Files.createTempDirectory("tftrt-demo-");
        converted = temp.resolve(model.toAbsolutePath().normalize().getFileName() + "-trt");
      }
      List<List<String>> steps = new ArrayList<>();
      steps.add(List.of("inspect", model.toString()));
      steps.add(List.of("plan", model.toString(), "--what-if-minimum-segment-size", WHAT_IF_SIZES));
      steps.add(List.of("convert", model.toString(), "--output", converted.toString()));
      int total = steps.size() + 1;
      for (int i = 0; i < steps.size(); i++) {
        List<String> step = steps.get(i);
        System.out.println(header(i + 1, total, "tftrt " + String.join(" ", step)));
        System.out.flush();
        int code = Main.run(step.toArray(String[]::new));
        if (code != 0) {
          return code;
        }
        System.out.println();
      }
      System.out.println(header(total, total, "the converted model against native TensorFlow"));
      System.out.print(compare(converted));
      return 0;
    } catch (IOException e) {
      throw new TftrtException("cannot make a temporary directory for the converted model: " + e.getMessage()
          + "; give --output DIR", e);
    } finally {
      if (temp != null) {
        deleteRecursively(temp);
      }
    }
  }

  /**
   * Loads the converted model from {@code dir}, runs it and the SavedModel on one random batch, and prints where
   * each segment ran and the largest difference of each output.
   */
  private String compare(Path dir) {
    StringBuilder b = new StringBuilder();
    try (ConvertedModel converted = ConvertedModel.load(dir);
        SavedModelTarget nativeModel = SavedModelTarget.load(model)) {
      b.append("loaded ").append(dir).append('\n');
      if (converted.tensorRt().available()) {
        converted.segments().forEach(s -> b.append("  ").append(s).append('\n'));
      } else {
        b.append("  TensorRT is not available here (see above), so its ").append(converted.segments().size())
            .append(" segment(s) run in TensorFlow: the comparison shows the converted graph computes what the "
                + "SavedModel does\n");
      }
      Map<String, TensorValue> batch = InputSource.random(SEED).batch(converted.inputs(), COMPARE_BATCH);
      Map<String, TensorValue> ours = converted.run(batch);
      Map<String, TensorValue> theirs;
      try (PreparedRun run = nativeModel.prepare(batch)) {
        run.run();
        theirs = run.outputs();
      }
      b.append("on ").append(COMPARE_BATCH).append(" random inputs (seed ").append(SEED).append("):\n");
      for (Map.Entry<String, TensorValue> e : ours.entrySet()) {
        float[] a = e.getValue().toFloats();
        float[] n = theirs.get(e.getKey()).toFloats();
        double max = 0;
        for (int i = 0; i < a.length; i++) {
          max = Math.max(max, Math.abs(a[i] - n[i]));
        }
        b.append(String.format(Locale.ROOT, "  output '%s' %s: max abs difference from native TensorFlow %.2e%n",
            e.getKey(), e.getValue().shape(), max));
      }
    }
    return b.toString();
  }

  private static String header(int step, int steps, String what) {
    String title = "== " + step + "/" + steps + "  " + what + " ";
    return title + "=".repeat(Math.max(3, 100 - title.length()));
  }

  private static void deleteRecursively(Path dir) {
    if (!AtomicFiles.deleteTree(dir)) {
      System.err.println("tftrt: could not remove all of the temporary " + dir);
    }
  }
}
