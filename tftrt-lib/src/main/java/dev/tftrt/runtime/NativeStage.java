package dev.tftrt.runtime;

import dev.tftrt.TftrtException;
import dev.tftrt.graph.AttrValue;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.GraphDefs;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.graph.TensorValue;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.proto.GraphDef;

/**
 * Part of a frozen graph run by TensorFlow Java: the given nodes, with every tensor they read from outside
 * fed through a new Placeholder and every constant they read from outside copied in. Built once into its own
 * TensorFlow graph and session; {@link #run} is safe from many threads (TensorFlow sessions are).
 */
final class NativeStage implements AutoCloseable {
  private static final String FEED_PREFIX = "tftrt_feed_";

  private final String name;
  private final List<TensorRef> inputs;
  private final List<TensorRef> outputs;
  private final List<String> feedNames;
  private final org.tensorflow.Graph graph;
  private final Session session;

  /**
   * @param inputs tensors produced outside the stage, in feed order
   * @param inputTypes the element type of each of {@code inputs}
   * @param outputs tensors the stage hands on, in fetch order
   */
  NativeStage(String name, Graph source, Collection<String> nodes, List<TensorRef> inputs,
      Map<TensorRef, DataType> inputTypes, List<TensorRef> outputs) {
    this.name = name;
    this.inputs = List.copyOf(inputs);
    this.outputs = List.copyOf(outputs);
    Set<String> members = new HashSet<>(nodes);
    Graph stage = new Graph();
    Map<TensorRef, TensorRef> feeds = new LinkedHashMap<>();
    List<String> names = new ArrayList<>();
    for (int i = 0; i < inputs.size(); i++) {
      TensorRef in = inputs.get(i);
      String feed = FEED_PREFIX + i;
      while (source.contains(feed)) {
        feed = "_" + feed;
      }
      DataType type = inputTypes.get(in);
      if (type == null) {
        throw new IllegalArgumentException("no element type known for stage input " + in);
      }
      stage.add(new Node(feed, "Placeholder", Map.of("dtype", AttrValue.of(type)), List.of()));
      feeds.put(in, TensorRef.of(feed));
      names.add(feed);
    }
    this.feedNames = List.copyOf(names);
    Set<String> copiedConstants = new HashSet<>();
    for (Node n : source.topologicalOrder()) {
      if (!members.contains(n.name())) {
        continue;
      }
      List<TensorRef> ins = new ArrayList<>();
      for (TensorRef in : n.inputs()) {
        if (members.contains(in.node())) {
          ins.add(in);
        } else if (feeds.containsKey(in)) {
          ins.add(feeds.get(in));
        } else if (isConstant(source, in.node())) {
          if (copiedConstants.add(in.node())) {
            Node c = source.node(in.node());
            stage.add(new Node(c.name(), c.op(), c.attrs(), List.of(), List.of(), ""));
          }
          ins.add(in);
        } else {
          throw new IllegalArgumentException("stage '" + name + "': node '" + n.name() + "' reads " + in
              + ", which is neither in the stage nor one of its inputs " + inputs);
        }
      }
      // Control edges to other stages are kept by the stage order; only edges inside the stage remain.
      List<String> control = n.controlInputs().stream().filter(members::contains).toList();
      stage.add(new Node(n.name(), n.op(), n.attrs(), ins, control, ""));
    }
    for (TensorRef out : outputs) {
      if (!members.contains(out.node()) && !copiedConstants.contains(out.node())) {
        throw new IllegalArgumentException("stage '" + name + "' output " + out + " is not made by the stage");
      }
    }
    GraphDef def = GraphDefs.toProto(stage);
    org.tensorflow.Graph g = new org.tensorflow.Graph();
    try {
      g.importGraphDef(def);
    } catch (IllegalArgumentException | TensorFlowException e) {
      g.close();
      throw new TftrtException("TensorFlow cannot load stage '" + name + "' (" + nodes.size() + " nodes): "
          + e.getMessage(), e);
    }
    this.graph = g;
    this.session = new Session(g);
  }

  private static boolean isConstant(Graph g, String node) {
    Node n = g.nodeOrNull(node);
    return n != null && n.op().equals("Const");
  }

  String name() {
    return name;
  }

  List<TensorRef> inputs() {
    return inputs;
  }

  List<TensorRef> outputs() {
    return outputs;
  }

  /** Runs the stage on {@code values} (holding at least every input); returns every output. */
  Map<TensorRef, TensorValue> run(Map<TensorRef, TensorValue> values) {
    List<Tensor> fed = new ArrayList<>(inputs.size());
    try {
      Session.Runner runner = session.runner();
      for (int i = 0; i < inputs.size(); i++) {
        TensorValue v = values.get(inputs.get(i));
        if (v == null) {
          throw new IllegalStateException("stage '" + name + "' input " + inputs.get(i) + " has no value");
        }
        Tensor t = TfTensors.toTensor(v);
        fed.add(t);
        runner.feed(feedNames.get(i), 0, t);
      }
      outputs.forEach(o -> runner.fetch(o.node(), o.index()));
      Map<TensorRef, TensorValue> out = new LinkedHashMap<>();
      try (org.tensorflow.Result result = runner.run()) {
        for (int i = 0; i < outputs.size(); i++) {
          out.put(outputs.get(i), TfTensors.toValue(result.get(i)));
        }
      }
      return out;
    } catch (TensorFlowException e) {
      throw new TftrtException("TensorFlow failed in stage '" + name + "': " + e.getMessage(), e);
    } finally {
      fed.forEach(Tensor::close);
    }
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }
}
