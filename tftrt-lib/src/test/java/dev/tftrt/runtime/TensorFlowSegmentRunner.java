package dev.tftrt.runtime;

import dev.tftrt.convert.NetworkBuilder;
import dev.tftrt.convert.TrtTensor;
import dev.tftrt.engine.Engine;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Graph;
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

/**
 * What makes the CPU test engines ({@link TensorFlowEngines}, {@link RecordedEngines}) compute: an engine of the
 * recording backend runs by running its segment in TensorFlow. A segment's network has a layer named
 * {@link #layerName}, which tells which segment an engine was built from.
 */
final class TensorFlowSegmentRunner implements AutoCloseable {
  private record Tensor(String name, DataType type, Shape shape) implements TrtTensor {}

  private record Defined(Graph graph, SegmentSpec spec) {}

  private static final String LAYER_PREFIX = "tf:";

  /** Engine executions so far. */
  final AtomicInteger engineRuns = new AtomicInteger();
  private final Map<String, Defined> defined = new ConcurrentHashMap<>();
  private final Map<Engine, NativeStage> stages = new IdentityHashMap<>();
  private final List<NativeStage> opened = new ArrayList<>();

  /** The name of a layer that marks a network as {@code segment}'s. */
  static String layerName(String segment, String suffix) {
    return LAYER_PREFIX + segment + "/" + suffix;
  }

  /** Whether {@code layer} is named by {@link #layerName} for {@code segment}. */
  static boolean isLayerOf(String layer, String segment) {
    return layer.startsWith(LAYER_PREFIX + segment + "/");
  }

  /** A network builder that only carries names, types and the shapes it is told. */
  static NetworkBuilder shapeBuilder() {
    return (NetworkBuilder) Proxy.newProxyInstance(NetworkBuilder.class.getClassLoader(),
        new Class<?>[] {NetworkBuilder.class}, (proxy, method, args) -> switch (method.getName()) {
          case "addInput" -> new Tensor((String) args[0], (DataType) args[1], (Shape) args[2]);
          case "shuffle" -> new Tensor((String) args[0], ((TrtTensor) args[1]).type(), Shape.of((long[]) args[3]));
          case "identity" -> new Tensor((String) args[0], (DataType) args[2], ((TrtTensor) args[1]).shape());
          case "markOutput" -> null;
          default -> throw new UnsupportedOperationException(method.getName());
        });
  }

  /** Engines built from networks marked as {@code segment}'s compute it over {@code graph}. */
  void define(Graph graph, SegmentSpec segment) {
    defined.put(segment.name(), new Defined(graph, segment));
  }

  /** Runs {@code engine}'s segment in TensorFlow on the engine's input bindings. */
  Map<String, TensorValue> compute(Engine engine, Map<String, TensorValue> inputs) {
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
