package dev.tftrt.runtime;

import dev.tftrt.convert.NetworkBuilder;
import dev.tftrt.convert.TrtTensor;
import dev.tftrt.engine.Availability;
import dev.tftrt.engine.BuildListener;
import dev.tftrt.engine.BuildResult;
import dev.tftrt.engine.DeviceStream;
import dev.tftrt.engine.DeviceTensor;
import dev.tftrt.engine.Engine;
import dev.tftrt.engine.EngineConfig;
import dev.tftrt.engine.NetworkDefinition;
import dev.tftrt.engine.RecordingTensorRtBackend;
import dev.tftrt.engine.ShapeRange;
import dev.tftrt.engine.TensorRtBackend;
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
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Engines of the recording backend that compute their segment with TensorFlow (so that the engine path of the
 * runtime can be checked on a CPU), behind a backend that counts device allocations.
 */
final class RecordedEngines implements TensorRtBackend, AutoCloseable {
  record Tensor(String name, DataType type, Shape shape) implements TrtTensor {}

  final AtomicInteger engineRuns = new AtomicInteger();
  final AtomicInteger allocations = new AtomicInteger();
  volatile boolean failExecution;

  private final Graph graph;
  private final RecordingTensorRtBackend backend;
  private final Map<Engine, NativeStage> stages = new IdentityHashMap<>();
  private final Map<String, SegmentSpec> specs = new HashMap<>();
  private final List<NativeStage> opened = new ArrayList<>();

  RecordedEngines(Graph graph) {
    this.graph = graph;
    this.backend = new RecordingTensorRtBackend(RecordedEngines::reshapingBuilder).withRunner(this::compute);
  }

  /** A builder whose {@code shuffle} layer outputs its reshape dims: enough to declare output bindings. */
  static NetworkBuilder reshapingBuilder() {
    return (NetworkBuilder) Proxy.newProxyInstance(NetworkBuilder.class.getClassLoader(),
        new Class<?>[] {NetworkBuilder.class}, (proxy, method, args) -> switch (method.getName()) {
          case "addInput" -> new Tensor((String) args[0], (DataType) args[1], (Shape) args[2]);
          case "shuffle" -> new Tensor((String) args[0], DataType.FLOAT, Shape.of((long[]) args[3]));
          case "markOutput" -> null;
          default -> throw new UnsupportedOperationException(method.getName());
        });
  }

  /** Builds and deserializes an engine for {@code s} with batch 1..maxBatch; shapes have batch -1. */
  SegmentEngine build(SegmentSpec s, List<Shape> inputShapes, List<Shape> outputShapes, int maxBatch) {
    BuildResult r = buildPlan(s, inputShapes, outputShapes, maxBatch);
    return new SegmentEngine(deserialize(r.plan()), r.plan());
  }

  BuildResult buildPlan(SegmentSpec s, List<Shape> inputShapes, List<Shape> outputShapes, int maxBatch) {
    specs.put(s.name(), s);
    EngineConfig.Builder config = EngineConfig.builder();
    try (NetworkDefinition n = backend.newNetwork()) {
      List<TrtTensor> ins = new ArrayList<>();
      for (int i = 0; i < inputShapes.size(); i++) {
        ins.add(n.addInput(SegmentSpec.inputBinding(i), DataType.FLOAT, inputShapes.get(i)));
        config.profile(SegmentSpec.inputBinding(i), ShapeRange.batch(inputShapes.get(i), maxBatch));
      }
      for (int i = 0; i < outputShapes.size(); i++) {
        TrtTensor t = n.shuffle(s.name(), ins.get(0), null, outputShapes.get(i).dims(), null);
        n.markOutput(t, SegmentSpec.outputBinding(i));
      }
      return backend.build(n, config.build(), BuildListener.NONE);
    }
  }

  private synchronized NativeStage stageFor(Engine e) {
    NativeStage st = stages.get(e);
    if (st == null) {
      String segment = specs.keySet().stream().filter(name -> e.layerInformationJson().contains(name))
          .findFirst().orElseThrow();
      SegmentSpec s = specs.get(segment);
      Map<TensorRef, DataType> types = new HashMap<>();
      s.inputs().forEach(in -> types.put(in, DataType.FLOAT));
      st = new NativeStage(s.name(), graph, s.nodes(), s.inputs(), types, s.outputs());
      stages.put(e, st);
      opened.add(st);
    }
    return st;
  }

  private Map<String, TensorValue> compute(Engine engine, Map<String, TensorValue> inputs) {
    if (failExecution) {
      throw new IllegalStateException("injected engine failure");
    }
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

  @Override
  public Availability availability() {
    return backend.availability();
  }

  @Override
  public NetworkDefinition newNetwork() {
    return backend.newNetwork();
  }

  @Override
  public BuildResult build(NetworkDefinition network, EngineConfig config, BuildListener listener) {
    return backend.build(network, config, listener);
  }

  @Override
  public Engine deserialize(byte[] plan) {
    return backend.deserialize(plan);
  }

  @Override
  public DeviceStream newStream() {
    return backend.newStream();
  }

  @Override
  public DeviceTensor allocate(DataType type, Shape shape) {
    allocations.incrementAndGet();
    return backend.allocate(type, shape);
  }

  @Override
  public synchronized void close() {
    opened.forEach(NativeStage::close);
  }
}
