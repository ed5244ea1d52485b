package dev.tftrt.plan;

import dev.tftrt.TrtConversionParams;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.TensorInfo;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.passes.GraphPasses;
import dev.tftrt.passes.PassResult;
import dev.tftrt.savedmodel.FrozenModel;
import dev.tftrt.savedmodel.SignatureTensor;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** The planning phases as plain functions: prepare once per model, plan once per set of parameters. */
public final class Planner {
  private Planner() {}

  /**
   * Runs the graph passes on the frozen graph. {@code shapeInference} gives the static type and shape of the
   * tensors (it lets {@code Shape} of a static shape fold, and the summary print boundary tensors).
   */
  public static PreparedGraph prepare(FrozenModel model,
      Function<Graph, Map<TensorRef, TensorInfo>> shapeInference) {
    Map<TensorRef, TensorInfo> tensors = shapeInference.apply(model.graph());
    List<TensorRef> outputs = model.outputs().stream().map(SignatureTensor::tensor).toList();
    List<String> inputs = model.inputs().stream().map(t -> t.tensor().node()).toList();
    PassResult r = GraphPasses.optimize(model.graph(), outputs, inputs, tensors);
    return new PreparedGraph(model, r.graph(), r.removed(), tensors);
  }

  /** Segments the prepared graph with {@code candidate} (empty = convertible) and previews the fusions. */
  public static ConversionPlan plan(PreparedGraph prepared, TrtConversionParams params,
      Function<Node, Optional<String>> candidate) {
    List<TensorRef> outputs = prepared.model().outputs().stream().map(SignatureTensor::tensor).toList();
    Segmentation s = Segmenter.segment(prepared.graph(), outputs, candidate, Segmenter.Options.from(params));
    FusionPreview fusions = FusionPreview.of(prepared.graph(), s.segments(), prepared.removed());
    return new ConversionPlan(prepared.model(), params, prepared.graph(), prepared.removed(), prepared.tensors(),
        s.segments(), s.leftOut(), fusions);
  }
}
