package dev.tftrt.savedmodel;

import dev.tftrt.TftrtException;
import dev.tftrt.graph.AttrValue;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.GraphDefs;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.graph.TensorValue;
import dev.tftrt.passes.DeadNodeElimination;
import dev.tftrt.passes.IdentityRemoval;
import dev.tftrt.passes.PassResult;
import dev.tftrt.passes.RemovedNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SignatureDef;

/**
 * Freezes one signature of a SavedModel into a graph of plain ops, as TF-TRT's
 * {@code convert_variables_to_constants_v2} does before segmenting:
 *
 * <ol>
 *   <li>read {@code saved_model.pb}, choose the MetaGraphDef by tags and the signature by key;
 *   <li>keep what the signature's outputs reach, and inline every function call into it, nested ones too;
 *   <li>make the signature's inputs {@code Placeholder}s with the signature's dtype and shape;
 *   <li>drop control edges (ordering among stateful ops that freezing removes) and forwarding
 *       {@code Identity} nodes, then everything the outputs do not need;
 *   <li>replace variables ({@code VariableV2}, and {@code ReadVariableOp} of a {@code VarHandleOp}) by
 *       {@code Const} nodes holding the values TensorFlow restores from the checkpoint.
 * </ol>
 *
 * <p>Only the last step runs TensorFlow (to restore the checkpoint); the rest is protobuf and the Java IR.
 * The SavedModel directory is only read.
 */
public final class SavedModelFreezer {
  public static final String DEFAULT_TAG = "serve";
  public static final String DEFAULT_SIGNATURE = "serving_default";

  static final String OUTSIDE_SIGNATURE = "outside the signature";
  static final String INLINED_CALL = "function call (body inlined)";
  static final String VARIABLE_HANDLE = "variable handle (value now a Const)";

  private static final Set<String> VARIABLE_OPS = Set.of("VariableV2", "Variable", "VarHandleOp");
  /** Ops through which a signature output is followed back to the op that computes it. */
  private static final Set<String> FORWARDING_OPS = Set.of("Identity", "IdentityN");

  private SavedModelFreezer() {}

  /** Freezes the {@value #DEFAULT_SIGNATURE} signature of the {@value #DEFAULT_TAG} MetaGraphDef. */
  public static FrozenModel freeze(Path dir) {
    return freeze(dir, DEFAULT_TAG, DEFAULT_SIGNATURE);
  }

  /**
   * The serving signatures of the MetaGraphDef tagged {@code tag}, sorted by key, read from
   * {@code saved_model.pb} alone (nothing is loaded into TensorFlow). Bad input fails as {@link #freeze} does.
   */
  public static List<Signature> signatures(Path dir, String tag) {
    SavedModelFile file = SavedModelFile.read(dir);
    MetaGraphDef meta = file.metaGraph(SavedModelFile.parseTags(tag));
    List<Signature> out = new ArrayList<>();
    SavedModelFile.servingSignatures(meta).forEach((key, s) -> out.add(new Signature(key,
        SavedModelFile.tensors(key, s.getInputsMap()), SavedModelFile.tensors(key, s.getOutputsMap()))));
    return out;
  }

  /**
   * Freezes signature {@code signatureKey} of the MetaGraphDef tagged {@code tag} (several tags joined by
   * commas). Bad input (no such directory, not a SavedModel, corrupt file, unknown tag or signature, ops
   * TensorFlow does not know, missing variable values) is a {@link TftrtException} naming what is wrong.
   */
  public static FrozenModel freeze(Path dir, String tag, String signatureKey) {
    SavedModelFile file = SavedModelFile.read(dir);
    Set<String> tags = SavedModelFile.parseTags(tag);
    MetaGraphDef meta = file.metaGraph(tags);
    SignatureDef signature = file.signature(meta, signatureKey);
    List<SignatureTensor> inputs = SavedModelFile.tensors(signatureKey, signature.getInputsMap());
    List<SignatureTensor> outputs = SavedModelFile.tensors(signatureKey, signature.getOutputsMap());
    OpRegistry registry = OpRegistry.tensorflow();
    Map<String, FunctionDef> library = meta.getGraphDef().getLibrary().getFunctionList().stream()
        .collect(Collectors.toMap(f -> f.getSignature().getName(), Function.identity(), (a, b) -> a));

    Graph graph = importGraph(meta, library, registry, dir);
    for (SignatureTensor t : concat(inputs, outputs)) {
      if (!graph.contains(t.tensor().node())) {
        throw new TftrtException("signature '" + signatureKey + "' names tensor " + t.tensor().tensorName()
            + " for '" + t.key() + "', but the graph of " + dir + " has no node '" + t.tensor().node() + "'");
      }
    }
    Map<String, Integer> removed = new LinkedHashMap<>();
    List<String> inputNodes = inputs.stream().map(t -> t.tensor().node()).toList();

    // Only what the signature reaches, by data or control, is inlined and reported as "before".
    List<TensorRef> outs = outputs.stream().map(SignatureTensor::tensor).toList();
    graph = record(removed, DeadNodeElimination.apply(graph, outs, inputNodes), OUTSIDE_SIGNATURE);
    FunctionInliner.Result inlined = new FunctionInliner(library, registry).inline(graph, outs);
    graph = inlined.graph();
    outs = inlined.outputs();
    if (inlined.callsInlined() > 0) {
      removed.merge(INLINED_CALL, inlined.callsInlined(), Integer::sum);
    }
    requireKnownOps(graph, registry, dir);
    Map<String, Integer> opsBefore = graph.opHistogram();

    List<SignatureTensor> frozenInputs = new ArrayList<>();
    for (SignatureTensor in : inputs) {
      TensorRef placeholder = placeInput(graph, in, outs);
      frozenInputs.add(new SignatureTensor(in.key(), placeholder, in.dtype(), in.shape()));
      outs = outs.stream().map(t -> t.equals(in.tensor()) ? placeholder : t).toList();
    }
    List<String> keep = frozenInputs.stream().map(t -> t.tensor().node()).toList();
    graph = withoutControlEdges(graph);
    outs = throughForwarding(graph, outs);
    graph = record(removed, IdentityRemoval.apply(graph, outs), null);
    graph = record(removed, DeadNodeElimination.apply(graph, outs, keep), null);

    List<VariableValues.Variable> variables = variablesToFreeze(graph);
    Map<String, TensorValue> values = VariableValues.read(dir, tags, variables);
    graph = withConstants(graph, values);
    graph = record(removed, DeadNodeElimination.apply(graph, outs, keep), VARIABLE_HANDLE);
    graph = plain(graph);
    checkFrozen(graph, keep, dir);

    List<SignatureTensor> frozenOutputs = new ArrayList<>();
    for (int i = 0; i < outputs.size(); i++) {
      SignatureTensor o = outputs.get(i);
      frozenOutputs.add(new SignatureTensor(o.key(), outs.get(i), o.dtype(), o.shape()));
    }
    FreezeReport report = new FreezeReport(opsBefore, graph.opHistogram(), inlined.callsInlined(),
        variables.size(), removed);
    return new FrozenModel(dir, String.join(",", tags), signatureKey, graph, frozenInputs, frozenOutputs, report);
  }

  private static List<SignatureTensor> concat(List<SignatureTensor> a, List<SignatureTensor> b) {
    List<SignatureTensor> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  /** The MetaGraphDef's graph in the IR, after checking that TensorFlow knows each op TensorFlow will load. */
  private static Graph importGraph(MetaGraphDef meta, Map<String, FunctionDef> library, OpRegistry registry,
      Path dir) {
    Graph graph;
    try {
      graph = GraphDefs.fromProto(meta.getGraphDef());
    } catch (IllegalArgumentException e) {
      throw new TftrtException("the graph of " + dir + " cannot be read: " + e.getMessage(), e);
    }
    Graph known = new Graph();
    graph.nodes().stream().filter(n -> !library.containsKey(n.op())).forEach(known::add);
    requireKnownOps(known, registry, dir);
    return graph;
  }

  /** Fails naming each op TensorFlow has no kernel definition for, with one node that uses it. */
  private static void requireKnownOps(Graph graph, OpRegistry registry, Path dir) {
    Map<String, String> unknown = new TreeMap<>();
    for (Node n : graph.nodes()) {
      if (!registry.knows(n.op())) {
        unknown.putIfAbsent(n.op(), n.name());
      }
    }
    if (!unknown.isEmpty()) {
      String list = unknown.entrySet().stream().map(e -> e.getKey() + " (node '" + e.getValue() + "')")
          .collect(Collectors.joining(", "));
      throw new TftrtException("SavedModel " + dir + " uses op" + (unknown.size() > 1 ? "s " : " ") + list
          + " that TensorFlow " + org.tensorflow.TensorFlow.version()
          + " does not define (custom ops are not supported); only ops of core TensorFlow can be frozen");
    }
  }

  /** Removes by {@code pass}, counting its removals under {@code reason}, or under the pass's own reasons. */
  private static Graph record(Map<String, Integer> removed, PassResult pass, String reason) {
    for (RemovedNode r : pass.removed()) {
      removed.merge(reason != null ? reason : r.reason(), 1, Integer::sum);
    }
    return pass.graph();
  }

  /**
   * Makes signature input {@code in} a {@code Placeholder} with the signature's dtype and shape, named after
   * its node. The node is replaced when nothing else reads it; otherwise a new placeholder feeds the readers of
   * that one tensor. Returns the placeholder's tensor.
   */
  private static TensorRef placeInput(Graph g, SignatureTensor in, List<TensorRef> outs) {
    Map<String, AttrValue> attrs = new LinkedHashMap<>();
    attrs.put("dtype", AttrValue.of(in.dtype()));
    attrs.put("shape", AttrValue.of(in.shape()));
    TensorRef ref = in.tensor();
    Node old = g.node(ref.node());
    boolean onlyThisOutput = g.nodes().stream().flatMap(n -> n.inputs().stream())
        .noneMatch(t -> t.node().equals(ref.node()) && t.index() != ref.index())
        && outs.stream().noneMatch(t -> t.node().equals(ref.node()) && t.index() != ref.index());
    if (ref.index() == 0 && onlyThisOutput) {
      g.replace(new Node(old.name(), "Placeholder", attrs, List.of()));
      return ref;
    }
    String name = ref.node() + "_" + ref.index();
    for (int k = 1; g.contains(name); k++) {
      name = ref.node() + "_" + ref.index() + "_" + k;
    }
    g.add(new Node(name, "Placeholder", attrs, List.of()));
    g.rewire(ref, TensorRef.of(name));
    return TensorRef.of(name);
  }

  private static Graph withoutControlEdges(Graph g) {
    Graph out = new Graph();
    g.nodes().forEach(n -> out.add(n.controlInputs().isEmpty() ? n : n.withControlInputs(List.of())));
    return out;
  }

  /** Each output followed back through {@code Identity}/{@code IdentityN} to the op that computes it. */
  private static List<TensorRef> throughForwarding(Graph g, List<TensorRef> outs) {
    List<TensorRef> out = new ArrayList<>();
    for (TensorRef t : outs) {
      Node n = g.node(t.node());
      while (FORWARDING_OPS.contains(n.op())) {
        t = n.input(t.index());
        n = g.node(t.node());
      }
      out.add(t);
    }
    return out;
  }

  /** The variables the graph still reads; any use other than a plain read cannot be frozen. */
  private static List<VariableValues.Variable> variablesToFreeze(Graph g) {
    List<VariableValues.Variable> vars = new ArrayList<>();
    Map<String, List<String>> readers = g.consumers();
    for (Node n : g.nodes()) {
      if (!VARIABLE_OPS.contains(n.op())) {
        continue;
      }
      boolean resource = n.op().equals("VarHandleOp");
      if (resource) {
        for (String r : readers.getOrDefault(n.name(), List.of())) {
          Node reader = g.node(r);
          if (!reader.op().equals("ReadVariableOp")) {
            throw new TftrtException("node '" + r + "' (" + reader.op() + ") uses variable '" + n.name()
                + "' other than by reading it; only ReadVariableOp reads can become constants");
          }
        }
      }
      vars.add(new VariableValues.Variable(n.name(), resource, n.typeAttr("dtype")));
    }
    return vars;
  }

  /** {@code VariableV2} nodes and {@code ReadVariableOp}s of resource variables become {@code Const}s. */
  private static Graph withConstants(Graph g, Map<String, TensorValue> values) {
    Graph out = g.copy();
    for (Node n : g.nodes()) {
      if (values.containsKey(n.name()) && !n.op().equals("VarHandleOp")) {
        out.replace(Node.constant(n.name(), values.get(n.name())));
      } else if (n.op().equals("ReadVariableOp") && values.containsKey(n.input(0).node())) {
        TensorValue v = values.get(n.input(0).node());
        DataType want = n.typeAttr("dtype");
        if (v.dtype() != want) {
          throw new TftrtException("node '" + n.name() + "' reads variable '" + n.input(0).node() + "' as "
              + want.tfName() + ", but it holds " + v.dtype().tfName());
        }
        out.replace(Node.constant(n.name(), v));
      }
    }
    return out;
  }

  /** Drops TensorFlow's bookkeeping attributes ({@code _class} colocations may name removed nodes) and devices. */
  private static Graph plain(Graph g) {
    Graph out = new Graph();
    for (Node n : g.nodes()) {
      Map<String, AttrValue> attrs = new LinkedHashMap<>();
      n.attrs().forEach((k, v) -> {
        if (!k.startsWith("_")) {
          attrs.put(k, v);
        }
      });
      out.add(new Node(n.name(), n.op(), attrs, n.inputs(), n.controlInputs(), ""));
    }
    return out;
  }

  /** What the frozen graph must not hold: other placeholders, resources, calls of control-flow functions. */
  private static void checkFrozen(Graph g, List<String> inputNodes, Path dir) {
    for (Node n : g.nodes()) {
      if (n.op().equals("Placeholder") && !inputNodes.contains(n.name())) {
        throw new TftrtException("the signature's outputs need placeholder '" + n.name()
            + "', which is not a signature input: add it to the signature or give it a default "
            + "(PlaceholderWithDefault)");
      }
      for (AttrValue v : n.attrs().values()) {
        if (v instanceof AttrValue.FuncAttr f) {
          throw new TftrtException("node '" + n.name() + "' (" + n.op() + ") runs function '" + f.name()
              + "' as control flow; freezing " + dir + " would need control-flow lowering, which is not supported");
        }
      }
    }
  }
}
