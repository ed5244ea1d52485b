package dev.tftrt.cli;

import dev.tftrt.engine.Availability;
import dev.tftrt.engine.TensorRtBackends;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code tftrt demo <saved_model_dir>}: the workflow on one model, step by step, each step being the command a
 * user would run next ({@code inspect}, {@code plan} with a what-if table); then whether TensorRT is here to
 * build engines. Finishes cleanly on a machine without a GPU.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"The TF-TRT workflow on one SavedModel, one step per command: inspect (signatures, freezing), "
        + "plan (engines, ops left in TensorFlow and why, fusions, what-if minimum segment sizes), and whether "
        + "TensorRT is available to build engines. ./tftrt demo runs it on the bundled keyword-spotting model."})
public final class DemoCommand implements Callable<Integer> {
  static final String WHAT_IF_SIZES = "1,3,5,10";

  @Parameters(index = "0", paramLabel = "<saved_model_dir>", description = "SavedModel (serve / serving_default)")
  Path model;

  @Override
  public Integer call() {
    List<List<String>> steps = new ArrayList<>();
    steps.add(List.of("inspect", model.toString()));
    steps.add(List.of("plan", model.toString(), "--what-if-minimum-segment-size", WHAT_IF_SIZES));
    for (int i = 0; i < steps.size(); i++) {
      List<String> step = steps.get(i);
      System.out.println(header(i + 1, steps.size() + 1, "tftrt " + String.join(" ", step)));
      int code = Main.run(step.toArray(String[]::new));
      if (code != 0) {
        return code;
      }
      System.out.println();
    }
    System.out.println(header(steps.size() + 1, steps.size() + 1, "TensorRT"));
    Availability trt = TensorRtBackends.system().availability();
    if (trt.available()) {
      System.out.println(trt.describe() + ": engines can be built here.");
    } else {
      System.out.println(trt.describe());
      System.out.println("Building and running engines needs an NVIDIA GPU with TensorRT 8.6 (Maven profile -Pgpu); "
          + "every step above ran without one.");
    }
    return 0;
  }

  private static String header(int step, int steps, String what) {
    String title = "== " + step + "/" + steps + "  " + what + " ";
    return title + "=".repeat(Math.max(3, 100 - title.length()));
  }
}
