package dev.tftrt.runtime;

import dev.tftrt.Precision;
import dev.tftrt.convert.NetworkBuilder;
import dev.tftrt.convert.RecordingNetworkBuilder;
import dev.tftrt.convert.TrtTensor;
import dev.tftrt.engine.RecordingTensorRtBackend;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.GraphDefs;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.graph.TensorValue;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;

/**
 * Engines that really compute, on a CPU: each segment becomes a recorded network whose bindings have the
 * shapes and types TensorFlow infers for the segment's tensors, and the recording backend runs an engine by
 * running its segment in TensorFlow. So a converted model's engine path (bindings, profiles, device tensors,
 * plans saved and loaded) is checked with real numbers, without a GPU.
 */
public final class TensorFlowEngines implements SegmentNetworks, AutoCloseable {
  private final TensorFlowSegmentRunner runner = new TensorFlowSegmentRunner();
  /** Engine executions so far. */
  public final AtomicInteger engineRuns = runner.engineRuns;
  private final RecordingTensorRtBackend backend;
  /** The project's converters define the layers (else one stand-in layer per output). */
  private final boolean converters;

  public TensorFlowEngines() {
    this(names -> false, false);
  }

  private TensorFlowEngines(Predicate<List<String>> failBuilds, boolean converters) {
    this.converters = converters;
    this.backend = new RecordingTensorRtBackend(converters ? RecordingNetworkBuilder::new
        : TensorFlowSegmentRunner::shapeBuilder).withRunner(runner::compute).failingBuilds(failBuilds);
  }

  /**
   * Networks made by the project's converters ({@link SegmentNetworks#standard()}, shapes from
   * {@link RecordingNetworkBuilder}); the engines still compute their segment in TensorFlow.
   */
  public static TensorFlowEngines withConverters() {
    return new TensorFlowEngines(names -> false, true);
  }

  /** Engines whose builds fail for the segments named (to exercise build failures). */
  public static TensorFlowEngines failingSegments(String... segments) {
    List<String> failing = List.of(segments);
    return new TensorFlowEngines(layers -> layers.stream().anyMatch(l -> failing.stream()
        .anyMatch(s -> TensorFlowSegmentRunner.isLayerOf(l, s))), false);
  }

  public RecordingTensorRtBackend backend() {
    return backend;
  }

  @Override
  public void define(Graph graph, SegmentSpec segment, Precision precision, NetworkBuilder network) {
    runner.define(graph, segment);
    if (converters) {
      SegmentNetworks.standard().define(graph, segment, precision, network);
      // An unmarked layer that names the segment, so that the runner knows which segment an engine computes.
      network.constant(TensorFlowSegmentRunner.layerName(segment.name(), "marker"),
          TensorValue.ofFloats(Shape.of(1), 0f));
      return;
    }
    try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
      g.importGraphDef(GraphDefs.toProto(graph));
      List<TrtTensor> inputs = new ArrayList<>();
      for (int i = 0; i < segment.inputs().size(); i++) {
        Output<?> o = output(g, segment.inputs().get(i));
        inputs.add(network.addInput(SegmentSpec.inputBinding(i), type(o), shape(o).withDim(0, -1)));
      }
      for (int i = 0; i < segment.outputs().size(); i++) {
        Output<?> o = output(g, segment.outputs().get(i));
        TrtTensor t = network.shuffle(TensorFlowSegmentRunner.layerName(segment.name(), String.valueOf(i)),
            inputs.get(0), null, shape(o).withDim(0, -1).dims(), null);
        if (t.type() != type(o)) {
          t = network.identity(TensorFlowSegmentRunner.layerName(segment.name(), "cast" + i), t, type(o));
        }
        network.markOutput(t, SegmentSpec.outputBinding(i));
      }
    }
  }

  private static Output<?> output(org.tensorflow.Graph g, TensorRef ref) {
    GraphOperation op = g.operationOrThrow(ref.node());
    return op.output(ref.index());
  }

  private static DataType type(Output<?> o) {
    return DataType.fromNumber(o.dataType().getNumber());
  }

  private static Shape shape(Output<?> o) {
    return Shape.of(o.shape().asArray());
  }

  @Override
  public void close() {
    runner.close();
  }
}
