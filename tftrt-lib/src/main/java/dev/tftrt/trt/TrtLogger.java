package dev.tftrt.trt;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.bytedeco.tensorrt.nvinfer.ILogger;

/**
 * TensorRT's logger, implemented in Java. One for the process (TensorRT keeps it and calls it from its own
 * threads too); what it hears goes to the sink of the build or load in progress (they hold the backend's
 * lock), else errors go to stderr. Verbose messages only reach a sink's line reader (the build's phases).
 */
final class TrtLogger extends ILogger {
  /** What one build heard: warnings and errors kept for the result, info passed on as progress. */
  static final class Sink {
    final List<String> log = new ArrayList<>();
    final Consumer<String> progress;
    /** Every line, verbose ones included. */
    final Consumer<String> lines;

    Sink(Consumer<String> progress) {
      this(progress, line -> { });
    }

    Sink(Consumer<String> progress, Consumer<String> lines) {
      this.progress = progress;
      this.lines = lines;
    }
  }

  private volatile Sink sink;
  private volatile String lastError = "";

  /** The last error TensorRT reported, to explain a refused layer or a failed load. */
  String lastError() {
    return lastError;
  }

  void install(Sink s) {
    sink = s;
  }

  void uninstall() {
    sink = null;
  }

  /** JavaCPP hands callbacks a Severity made from the native int (its name() is null): compare values. */
  @Override
  public void log(Severity severity, String msg) {
    int v = severity.value;
    Sink s = sink;
    if (s != null) {
      s.lines.accept(msg);
    }
    if (v <= Severity.kWARNING.value) {
      String line = (v == Severity.kWARNING.value ? "[W] " : "[E] ") + msg;
      if (v != Severity.kWARNING.value) {
        lastError = msg;
      }
      if (s != null) {
        synchronized (s) {
          s.log.add(line);
        }
        s.progress.accept(line);
      } else if (v != Severity.kWARNING.value) {
        System.err.println("TensorRT " + line);
      }
    } else if (v == Severity.kINFO.value && s != null) {
      s.progress.accept(msg);
    }
  }
}
