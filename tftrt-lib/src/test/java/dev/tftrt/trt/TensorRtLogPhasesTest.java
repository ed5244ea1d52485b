package dev.tftrt.trt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tftrt.engine.BuildMonitor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The phases of a TensorRT 8.6 build read from its log. The lines are shaped as TensorRT 8.6.1 writes them
 * (verbose and info; the fixed parts are strings of libnvinfer.so.8.6.1); layer names are the small CNN's.
 */
class TensorRtLogPhasesTest {
  /** What the parser reported, one string per call. */
  private static final class Recorded implements BuildMonitor {
    final List<String> events = new ArrayList<>();

    @Override
    public void phaseStart(String name, int steps) {
      events.add("start " + name + " " + steps);
    }

    @Override
    public boolean stepComplete(String name, int step, int steps, String what) {
      events.add("step " + name + " " + step + "/" + steps + " " + what);
      return true;
    }

    @Override
    public void phaseFinish(String name) {
      events.add("finish " + name);
    }

    @Override
    public void message(String text) {
      events.add("message " + text);
    }

    @Override
    public boolean cancelled() {
      return false;
    }
  }

  private static List<String> read(String... lines) {
    Recorded r = new Recorded();
    TensorRtLogPhases phases = new TensorRtLogPhases(r);
    for (String line : lines) {
      phases.line(line);
    }
    phases.finish();
    return r.events;
  }

  @Test
  void anFp16BuildHasGraphOptimizationTacticSelectionPerLayerAndEngineGeneration() {
    List<String> events = read(
        "[MemUsageChange] Init CUDA: CPU +2, GPU +0, now: CPU 1423, GPU 1048 (MiB)",
        "Original: 9 layers",
        "After dead-layer removal: 9 layers",
        "Graph construction completed in 0.000312 seconds.",
        "After scale fusion: 9 layers",
        "After vertical fusions: 4 layers",
        "After final dead-layer removal: 4 layers",
        "After tensor merging: 4 layers",
        "After concat removal: 4 layers",
        "Graph optimization time: 0.00213 seconds.",
        "Global timing cache in use. Profiling results in this builder pass will be stored.",
        "Constructing optimization profile number 0 [1/1].",
        "=============== Computing reformatting costs: ",
        "*************** Autotuning Reformat: Float(3072,96,3,1) -> Half(3072,96,3,1) ***************",
        "=============== Computing costs for conv1 + relu1",
        "*************** Autotuning format combination: Half(3072,96,3,1) -> Half(8192,256,8,1) ***************",
        "--------------- Timing Runner: conv1 + relu1 (CaskConvolution)",
        "=============== Computing costs for pool1",
        "=============== Computing costs for conv2 + relu2",
        "=============== Computing costs for dense",
        "Formats and tactics selection completed in 1.53 seconds.",
        "After reformat layers: 5 layers",
        "Total Activation Memory: 1048576",
        "Engine generation completed in 1.9 seconds.");

    assertEquals(List.of(
        "start graph optimization 0",
        "finish graph optimization",
        "start tactic selection 4",
        "step tactic selection 1/4 conv1 + relu1",
        "step tactic selection 2/4 pool1",
        "step tactic selection 3/4 conv2 + relu2",
        "step tactic selection 4/4 dense",
        "finish tactic selection",
        "start engine generation 0",
        "finish engine generation"), events);
  }

  @Test
  void eachOptimizationProfileIsATacticSelectionOfItsOwn() {
    List<String> events = read(
        "Original: 3 layers",
        "After vertical fusions: 2 layers",
        "Constructing optimization profile number 0 [1/2].",
        "=============== Computing costs for conv1",
        "=============== Computing costs for dense",
        "Constructing optimization profile number 1 [2/2].",
        "=============== Computing costs for conv1",
        "Formats and tactics selection completed in 0.5 seconds.");

    assertEquals(List.of(
        "start graph optimization 0",
        "finish graph optimization",
        "start tactic selection (profile 1/2) 2",
        "step tactic selection (profile 1/2) 1/2 conv1",
        "step tactic selection (profile 1/2) 2/2 dense",
        "finish tactic selection (profile 1/2)",
        "start tactic selection (profile 2/2) 2",
        "step tactic selection (profile 2/2) 1/2 conv1",
        "finish tactic selection (profile 2/2)",
        "start engine generation 0",
        "finish engine generation"), events);
  }

  @Test
  void int8CalibrationIsAPhaseBetweenTheCalibrationEngineAndTheEngine() {
    List<String> events = read(
        "Original: 2 layers",
        "=============== Computing costs for conv1",
        "Formats and tactics selection completed in 0.2 seconds.",
        "Engine generation completed in 0.3 seconds.",
        "Starting Calibration.",
        "Calibrated batch 0 in 0.01 seconds.",
        "Calibration completed in 0.9 seconds.",
        "Original: 2 layers");

    assertEquals(List.of(
        "start graph optimization 0",
        "finish graph optimization",
        "start tactic selection 2",
        "step tactic selection 1/2 conv1",
        "finish tactic selection",
        "start engine generation 0",
        "finish engine generation",
        "start calibration 0",
        "finish calibration",
        "start graph optimization 0",
        "finish graph optimization"), events);
  }

  @Test
  void linesOfAnotherTensorRtAreIgnored() {
    assertEquals(List.of(), read("Building engine: phase 3 of 7", "[MemUsageChange] TensorRT-managed allocation"));
  }
}
