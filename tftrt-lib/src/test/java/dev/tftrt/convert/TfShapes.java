package dev.tftrt.convert;

import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.GraphDefs;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorInfo;
import dev.tftrt.graph.TensorRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.types.TFloat32;

/** What TensorFlow itself says about tensor types and shapes: its static shape functions, and running. */
public final class TfShapes {
  private TfShapes() {}

  /** TensorFlow's static type and shape of each output of each node of {@code graph} (imported as a GraphDef). */
  public static Map<TensorRef, TensorInfo> staticShapes(Graph graph) {
    Map<TensorRef, TensorInfo> out = new LinkedHashMap<>();
    try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
      g.importGraphDef(GraphDefs.toProto(graph));
      graph.nodes().forEach(n -> {
        GraphOperation op = g.operation(n.name());
        for (int i = 0; i < op.numOutputs(); i++) {
          out.put(n.output(i), new TensorInfo(DataType.fromNumber(op.output(i).dataType().getNumber()),
              shape(op.output(i).shape())));
        }
      });
    }
    return out;
  }

  /** The actual type and shape of {@code tensors} when the graph runs on zero-filled float {@code feeds}. */
  public static Map<TensorRef, TensorInfo> runtimeShapes(Graph graph, Map<String, long[]> feeds, List<TensorRef> tensors) {
    Map<TensorRef, TensorInfo> out = new LinkedHashMap<>();
    try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
      g.importGraphDef(GraphDefs.toProto(graph));
      try (Session s = new Session(g)) {
        List<Tensor> owned = new ArrayList<>();
        try {
          Session.Runner runner = s.runner();
          feeds.forEach((name, dims) -> {
            TFloat32 t = TFloat32.tensorOf(org.tensorflow.ndarray.Shape.of(dims));
            owned.add(t);
            runner.feed(name, t);
          });
          tensors.forEach(t -> runner.fetch(t.node(), t.index()));
          try (Result r = runner.run()) {
            for (int i = 0; i < tensors.size(); i++) {
              Tensor t = r.get(i);
              out.put(tensors.get(i), new TensorInfo(DataType.fromNumber(t.dataType().getNumber()), shape(t.shape())));
            }
          }
        } finally {
          owned.forEach(Tensor::close);
        }
      }
    }
    return out;
  }

  private static Shape shape(org.tensorflow.ndarray.Shape s) {
    return s.isUnknown() ? Shape.unknown() : Shape.of(s.asArray());
  }
}
