package dev.tftrt.runtime;

import dev.tftrt.convert.TrtTensor;
import dev.tftrt.engine.BuildListener;
import dev.tftrt.engine.BuildResult;
import dev.tftrt.engine.DeviceTensor;
import dev.tftrt.engine.Engine;
import dev.tftrt.engine.EngineConfig;
import dev.tftrt.engine.ForwardingTensorRtBackend;
import dev.tftrt.engine.NetworkDefinition;
import dev.tftrt.engine.RecordingTensorRtBackend;
import dev.tftrt.engine.ShapeRange;
import dev.tftrt.engine.TensorRtBackend;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Engines of the recording backend that compute their segment with TensorFlow (so that the engine path of the
 * runtime can be checked on a CPU), built here one segment at a time, behind a backend that counts device
 * allocations and can fail every execution.
 */
final class RecordedEngines implements ForwardingTensorRtBackend, AutoCloseable {
  private final TensorFlowSegmentRunner runner = new TensorFlowSegmentRunner();
  final AtomicInteger engineRuns = runner.engineRuns;
  final AtomicInteger allocations = new AtomicInteger();
  volatile boolean failExecution;

  private final Graph graph;
  private final RecordingTensorRtBackend backend;

  RecordedEngines(Graph graph) {
    this.graph = graph;
    this.backend = new RecordingTensorRtBackend(TensorFlowSegmentRunner::shapeBuilder).withRunner(this::compute);
  }

  /** Builds and deserializes an engine for {@code s} with batch 1..maxBatch; shapes have batch -1. */
  SegmentEngine build(SegmentSpec s, List<Shape> inputShapes, List<Shape> outputShapes, int maxBatch) {
    BuildResult r = buildPlan(s, inputShapes, outputShapes, maxBatch);
    return new SegmentEngine(deserialize(r.plan()), r.plan());
  }

  BuildResult buildPlan(SegmentSpec s, List<Shape> inputShapes, List<Shape> outputShapes, int maxBatch) {
    runner.define(graph, s);
    EngineConfig.Builder config = EngineConfig.builder();
    try (NetworkDefinition n = backend.newNetwork()) {
      List<TrtTensor> ins = new ArrayList<>();
      for (int i = 0; i < inputShapes.size(); i++) {
        ins.add(n.addInput(SegmentSpec.inputBinding(i), DataType.FLOAT, inputShapes.get(i)));
        config.profile(SegmentSpec.inputBinding(i), ShapeRange.batch(inputShapes.get(i), maxBatch));
      }
      for (int i = 0; i < outputShapes.size(); i++) {
        TrtTensor t = n.shuffle(TensorFlowSegmentRunner.layerName(s.name(), String.valueOf(i)), ins.get(0), null,
            outputShapes.get(i).dims(), null);
        n.markOutput(t, SegmentSpec.outputBinding(i));
      }
      return backend.build(n, config.build(), BuildListener.NONE);
    }
  }

  private Map<String, TensorValue> compute(Engine engine, Map<String, TensorValue> inputs) {
    if (failExecution) {
      throw new IllegalStateException("injected engine failure");
    }
    return runner.compute(engine, inputs);
  }

  /** Copies from the host into device tensors so far. */
  long copiesToDevice() {
    return backend.copiesToDevice();
  }

  @Override
  public TensorRtBackend delegate() {
    return backend;
  }

  @Override
  public DeviceTensor allocate(DataType type, Shape shape) {
    allocations.incrementAndGet();
    return backend.allocate(type, shape);
  }

  @Override
  public void close() {
    runner.close();
  }
}
