package dev.tftrt.trt;

import dev.tftrt.engine.BuildMonitor;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The phases and steps of a TensorRT 8.6 build, read from its log (8.6 has no progress monitor: that came with
 * TensorRT 10): "Original: N layers" starts graph optimization, whose last "After ...: N layers" is the number
 * of layers left to time; "Computing costs for LAYER" is a step of tactic selection, once per optimization
 * profile; "Formats and tactics selection completed" starts engine generation, "Engine generation completed"
 * ends it; "Starting Calibration" and "Calibration completed" frame INT8 calibration. Lines it does not know
 * are ignored, so another TensorRT version shows fewer phases, never wrong ones.
 */
final class TensorRtLogPhases {
  static final String GRAPH = "graph optimization";
  static final String TACTICS = "tactic selection";
  static final String ENGINE = "engine generation";
  static final String CALIBRATION = "calibration";

  private static final Pattern LAYER_COUNT = Pattern.compile("^(?:Original|After [a-zA-Z -]+): (\\d+) layers");
  private static final Pattern PROFILE = Pattern.compile("^Constructing optimization profile number \\d+ \\[(\\d+)/(\\d+)\\]");
  private static final String COSTS = "=============== Computing costs for ";

  private final BuildMonitor monitor;
  private String phase;
  private int layers;
  private int step;
  private String profile = "";

  TensorRtLogPhases(BuildMonitor monitor) {
    this.monitor = monitor;
  }

  /** One line of TensorRT's log, of any severity (the steps are verbose lines). */
  synchronized void line(String message) {
    Matcher count = LAYER_COUNT.matcher(message);
    if (count.find()) {
      if (message.startsWith("Original")) {
        start(GRAPH, 0);
      }
      if (GRAPH.equals(phase)) {
        layers = Integer.parseInt(count.group(1));
      }
      return;
    }
    Matcher p = PROFILE.matcher(message);
    if (p.find()) {
      profile = Integer.parseInt(p.group(2)) > 1 ? " (profile " + p.group(1) + "/" + p.group(2) + ")" : "";
      return;
    }
    if (message.startsWith(COSTS) || message.startsWith("=============== Computing reformatting costs")) {
      if (!(TACTICS + profile).equals(phase)) {
        start(TACTICS + profile, layers);
        step = 0;
      }
      if (message.startsWith(COSTS)) {
        step++;
        monitor.stepComplete(phase, step, layers, message.substring(COSTS.length()).strip());
      }
    } else if (message.startsWith("Formats and tactics selection completed")) {
      start(ENGINE, 0);
    } else if (message.startsWith("Engine generation completed")) {
      finish();
    } else if (message.startsWith("Starting Calibration")) {
      start(CALIBRATION, 0);
    } else if (message.startsWith("Calibration completed")) {
      finish();
    }
  }

  /** Ends the phase in progress, if any (the build ended, or failed). */
  synchronized void finish() {
    if (phase != null) {
      monitor.phaseFinish(phase);
      phase = null;
    }
  }

  private void start(String name, int steps) {
    finish();
    phase = name;
    monitor.phaseStart(name, steps);
  }
}
