package dev.tftrt.runtime;

import dev.tftrt.Precision;
import dev.tftrt.convert.NetworkBuilder;
import dev.tftrt.convert.RecordingNetworkBuilder;
import dev.tftrt.convert.TrtTensor;
import dev.tftrt.engine.Engine;
import dev.tftrt.engine.RecordingTensorRtBackend;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.GraphDefs;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.graph.TensorValue;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
  private record Tensor(String name, DataType type, Shape shape) implements TrtTensor {}

  private record Defined(Graph graph, SegmentSpec spec) {}

  private static final String LAYER_PREFIX = "tf:";

  /** Engine executions so far. */
  public final AtomicInteger engineRuns = new AtomicInteger();
  private final Map<String, Defined> defined = new ConcurrentHashMap<>();
  private final Map<Engine, NativeStage> stages = new IdentityHashMap<>();
  private final List<NativeStage> opened = new ArrayList<>();
  private final RecordingTensorRtBackend backend;
  /** The project's converters define the layers (else one stand-in layer per output). */
  private final boolean converters;

  public TensorFlowEngines() {
    this(names -> false, false);
  }

  private TensorFlowEngines(Predicate<List<String>> failBuilds, boolean converters) {
    this.converters = converters;
    this.backend = new RecordingTensorRtBackend(converters ? RecordingNetworkBuilder::new
        : TensorFlowEngines::shapeBuilder).withRunner(this::compute).failingBuilds(failBuilds);
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
        .anyMatch(s -> l.startsWith(LAYER_PREFIX + s + "/"))), false);
  }

  public RecordingTensorRtBackend backend() {
    return backend;
  }

  /** A network builder that only carries names, types and the shapes it is told. */
  private static NetworkBuilder shapeBuilder() {
    return (NetworkBuilder) Proxy.newProxyInstance(NetworkBuilder.class.getClassLoader(),
        new Class<?>[] {NetworkBuilder.class}, (proxy, method, args) -> switch (method.getName()) {
          case "addInput" -> new Tensor((String) args[0], (DataType) args[1], (Shape) args[2]);
          case "shuffle" -> new Tensor((String) args[0], ((TrtTensor) args[1]).type(), Shape.of((long[]) args[3]));
          case "identity" -> new Tensor((String) args[0], (DataType) args[2], ((TrtTensor) args[1]).shape());
          case "markOutput" -> null;
          default -> throw new UnsupportedOperationException(method.getName());
        });
  }

  @Override
  public void define(Graph graph, SegmentSpec segment, Precision precision, NetworkBuilder network) {
    defined.put(segment.name(), new Defined(graph, segment));
    if (converters) {
      SegmentNetworks.standard().define(graph, segment, precision, network);
      // An unmarked layer that names the segment, so that the runner knows which segment an engine computes.
      network.constant(LAYER_PREFIX + segment.name() + "/marker", TensorValue.ofFloats(Shape.of(1), 0f));
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
        TrtTensor t = network.shuffle(LAYER_PREFIX + segment.name() + "/" + i, inputs.get(0), null,
            shape(o).withDim(0, -1).dims(), null);
        if (t.type() != type(o)) {
          t = network.identity(LAYER_PREFIX + segment.name() + "/cast" + i, t, type(o));
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

  private Map<String, TensorValue> compute(Engine engine, Map<String, TensorValue> inputs) {
    engineRuns.incrementAndGet();
    NativeStage st = stageFor(engine);
    Map<TensorRef, TensorValue> in = new HashMap<>();
    for (int i = 0; i < st.inputs().size(); i++) {
      in.put(st.inputs().get(i), inputs.get(SegmentSpec.inputBinding(i)));
    }
    Map<TensorRef, TensorValue> out = st.run(in);
    Map<String, TensorValue> named = new LinkedHashMap<>();
    for (int i = 0; i < st.outputs().size(); i++) {
      named.put(SegmentSpec.outputBinding(i), out.get(st.outputs().get(i)));
    }
    return named;
  }

  private synchronized NativeStage stageFor(Engine e) {
    NativeStage st = stages.get(e);
    if (st == null) {
      String info = e.layerInformationJson();
      Defined d = defined.values().stream()
          .filter(x -> info.contains("\"" + LAYER_PREFIX + x.spec().name() + "/")).findFirst()
          .orElseThrow(() -> new IllegalStateException("no segment defined for engine " + info));
      Map<TensorRef, DataType> types = new HashMap<>();
      for (int i = 0; i < d.spec().inputs().size(); i++) {
        types.put(d.spec().inputs().get(i), e.binding(SegmentSpec.inputBinding(i)).type());
      }
      st = new NativeStage(d.spec().name(), d.graph(), d.spec().nodes(), d.spec().inputs(), types,
          d.spec().outputs());
      stages.put(e, st);
      opened.add(st);
    }
    return st;
  }

  @Override
  public synchronized void close() {
    opened.forEach(NativeStage::close);
    opened.clear();
    stages.clear();
  }
}
