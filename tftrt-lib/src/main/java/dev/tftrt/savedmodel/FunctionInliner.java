package dev.tftrt.savedmodel;

import dev.tftrt.TftrtException;
import dev.tftrt.graph.AttrValue;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.GraphDefs;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.TensorRef;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;

/**
 * Replaces function calls ({@code PartitionedCall}, {@code StatefulPartitionedCall}, or a node whose op is a
 * library function) by the function's body, recursively, so that the graph holds plain ops only.
 *
 * <p>Body nodes are renamed {@code <call>/<body node>}; a function argument becomes the call's input; a body
 * reference {@code node:out_arg:i} becomes a flat output index, counted through the op's definition (list
 * arguments take as many slots as their {@code number_attr} or {@code type_list_attr} says); readers of the
 * call's outputs read what the function returns. Control edges are kept consistent (readers of {@code ^call}
 * wait for the returned nodes) for the freezer to drop later.
 */
final class FunctionInliner {
  static final Set<String> CALL_OPS = Set.of("PartitionedCall", "StatefulPartitionedCall");

  /** Deeper nesting than this is a recursive function, which cannot be inlined. */
  private static final int MAX_DEPTH = 64;

  /** The graph with every call inlined, the outputs it returns (renamed), and how many calls went. */
  record Result(Graph graph, List<TensorRef> outputs, int callsInlined) {}

  private final Map<String, FunctionDef> library;
  private final OpRegistry registry;

  FunctionInliner(Map<String, FunctionDef> library, OpRegistry registry) {
    this.library = library;
    this.registry = registry;
  }

  /** Inlines every call of {@code graph} (not modified); {@code outputs} are followed through the renaming. */
  Result inline(Graph graph, List<TensorRef> outputs) {
    Graph g = graph.copy();
    List<TensorRef> outs = new ArrayList<>(outputs);
    Map<String, Integer> depth = new HashMap<>();
    Deque<String> calls = new ArrayDeque<>();
    for (Node n : g.nodes()) {
      if (isCall(n)) {
        calls.add(n.name());
        depth.put(n.name(), 0);
      }
    }
    int inlined = 0;
    while (!calls.isEmpty()) {
      Node call = g.node(calls.poll());
      int d = depth.get(call.name());
      if (d > MAX_DEPTH) {
        throw new TftrtException("function calls nest deeper than " + MAX_DEPTH + " at node '" + call.name()
            + "' (function " + functionName(call) + "): recursive functions cannot be inlined");
      }
      for (String bodyCall : inlineOne(g, call, outs)) {
        calls.add(bodyCall);
        depth.put(bodyCall, d + 1);
      }
      inlined++;
    }
    return new Result(g, outs, inlined);
  }

  boolean isCall(Node n) {
    return (CALL_OPS.contains(n.op()) && n.attrs().get("f") instanceof AttrValue.FuncAttr) || library.containsKey(n.op());
  }

  private static String functionName(Node call) {
    return call.attrs().get("f") instanceof AttrValue.FuncAttr f ? f.name() : call.op();
  }

  /** Attributes that {@code $name} placeholders in the body refer to. */
  private static Map<String, AttrValue> callAttrs(Node call) {
    return call.attrs().get("f") instanceof AttrValue.FuncAttr f && CALL_OPS.contains(call.op()) ? f.attrs()
        : call.attrs();
  }

  /** Inlines one call into {@code g}, updating {@code outs}; returns the names of the calls its body made. */
  private List<String> inlineOne(Graph g, Node call, List<TensorRef> outs) {
    String fname = functionName(call);
    FunctionDef f = library.get(fname);
    if (f == null) {
      throw new TftrtException("node '" + call.name() + "' calls function '" + fname
          + "', which the SavedModel's function library does not define");
    }
    OpDef sig = f.getSignature();
    if (sig.getInputArgCount() != call.inputs().size()) {
      throw new TftrtException("node '" + call.name() + "' passes " + call.inputs().size() + " inputs to function '"
          + fname + "', which takes " + sig.getInputArgCount());
    }
    Map<String, TensorRef> args = new HashMap<>();
    for (int i = 0; i < sig.getInputArgCount(); i++) {
      args.put(sig.getInputArg(i).getName(), call.input(i));
    }

    Map<String, String> renamed = new LinkedHashMap<>();
    Set<String> taken = new HashSet<>();
    for (NodeDef nd : f.getNodeDefList()) {
      String name = call.name() + "/" + nd.getName();
      for (int k = 1; g.contains(name) || taken.contains(name); k++) {
        name = call.name() + "/" + nd.getName() + "_" + k;
      }
      taken.add(name);
      renamed.put(nd.getName(), name);
    }

    Map<String, AttrValue> bound = callAttrs(call);
    Map<String, Node> body = new LinkedHashMap<>();
    for (NodeDef nd : f.getNodeDefList()) {
      Node raw = GraphDefs.fromProto(nd.toBuilder().clearInput().build());
      Map<String, AttrValue> attrs = new LinkedHashMap<>();
      raw.attrs().forEach((k, v) -> attrs.put(k, bind(v, bound, call, fname, nd.getName())));
      body.put(nd.getName(), new Node(renamed.get(nd.getName()), raw.op(), attrs, List.of(), List.of(), raw.device()));
    }
    BodyRefs refs = new BodyRefs(fname, args, renamed, body);

    List<String> bodyCalls = new ArrayList<>();
    for (NodeDef nd : f.getNodeDefList()) {
      List<TensorRef> inputs = new ArrayList<>();
      List<String> control = new ArrayList<>();
      for (String in : nd.getInputList()) {
        if (in.startsWith("^")) {
          control.add(refs.controlSource(in.substring(1)));
        } else {
          inputs.add(refs.tensor(in));
        }
      }
      if (inputs.isEmpty() && control.isEmpty()) {
        control.addAll(call.controlInputs()); // sources start after what the call waited for
      }
      Node n = body.get(nd.getName()).withInputs(inputs).withControlInputs(control);
      g.add(n);
      if (isCall(n)) {
        bodyCalls.add(n.name());
      }
    }

    int callOutputs = sig.getOutputArgCount();
    Map<TensorRef, TensorRef> returned = new HashMap<>();
    Set<String> finished = new LinkedHashSet<>();
    for (int j = 0; j < callOutputs; j++) {
      String arg = sig.getOutputArg(j).getName();
      String ret = f.getRetMap().get(arg);
      if (ret == null) {
        throw new TftrtException("function '" + fname + "' does not say what it returns as '" + arg + "'");
      }
      TensorRef r = refs.tensor(ret);
      returned.put(call.output(j), r);
      finished.add(r.node());
    }
    f.getControlRetMap().values().forEach(n -> finished.add(refs.controlSource(n)));

    g.remove(call.name());
    g.rewireAll(returned);
    outs.replaceAll(t -> returned.getOrDefault(t, t));
    for (Node n : List.copyOf(g.nodes())) {
      if (n.controlInputs().contains(call.name())) {
        Set<String> control = new LinkedHashSet<>(n.controlInputs());
        control.remove(call.name());
        control.addAll(finished);
        g.replace(n.withControlInputs(List.copyOf(control)));
      }
    }
    for (Node n : g.nodes()) {
      for (TensorRef in : n.inputs()) {
        if (in.node().equals(call.name())) {
          throw new TftrtException("node '" + n.name() + "' reads output " + in.index() + " of call '" + call.name()
              + "', but function '" + fname + "' returns only " + callOutputs);
        }
      }
    }
    return bodyCalls;
  }

  /** Substitutes {@code $name} placeholders by the call's attribute values. */
  private static AttrValue bind(AttrValue v, Map<String, AttrValue> bound, Node call, String fname, String bodyNode) {
    if (v instanceof AttrValue.PlaceholderAttr p) {
      AttrValue value = bound.get(p.name());
      if (value == null) {
        throw new TftrtException("node '" + bodyNode + "' of function '" + fname + "' needs attribute $" + p.name()
            + ", which call '" + call.name() + "' does not set");
      }
      return value;
    }
    return v;
  }

  /** Resolves references written inside one function body into references of the flat graph. */
  private final class BodyRefs {
    private final String fname;
    private final Map<String, TensorRef> args;
    private final Map<String, String> renamed;
    private final Map<String, Node> body;

    BodyRefs(String fname, Map<String, TensorRef> args, Map<String, String> renamed, Map<String, Node> body) {
      this.fname = fname;
      this.args = args;
      this.renamed = renamed;
      this.body = body;
    }

    /** {@code arg}, {@code node:out_arg} or {@code node:out_arg:index}. */
    TensorRef tensor(String ref) {
      String[] parts = ref.split(":");
      if (parts.length == 1) {
        TensorRef arg = args.get(ref);
        if (arg == null) {
          throw bad(ref, "names no argument of the function");
        }
        return arg;
      }
      Node n = body.get(parts[0]);
      if (n == null || parts.length > 3) {
        throw bad(ref, "names no node of the function body");
      }
      int index;
      try {
        index = parts.length == 3 ? Integer.parseInt(parts[2]) : 0;
      } catch (NumberFormatException e) {
        throw bad(ref, "has no numeric output index");
      }
      return new TensorRef(n.name(), flatIndex(n, parts[1], index, ref));
    }

    String controlSource(String bodyNode) {
      String name = renamed.get(bodyNode);
      if (name == null) {
        throw bad("^" + bodyNode, "names no node of the function body");
      }
      return name;
    }

    private int flatIndex(Node n, String outArg, int index, String ref) {
      FunctionDef callee = library.get(n.op());
      try {
        if (callee != null) {
          List<OpDef.ArgDef> outs = callee.getSignature().getOutputArgList();
          for (int i = 0; i < outs.size(); i++) {
            if (outs.get(i).getName().equals(outArg)) {
              return i + index;
            }
          }
          throw new IllegalArgumentException("function " + n.op() + " has no output '" + outArg + "'");
        }
        OpDef def = registry.opDef(n.op()).orElseThrow(() -> new IllegalArgumentException(
            "op " + n.op() + " is not known to TensorFlow"));
        return OpRegistry.flatOutputIndex(def, n, outArg, index);
      } catch (IllegalArgumentException | IllegalStateException e) {
        throw bad(ref, e.getMessage());
      }
    }

    private TftrtException bad(String ref, String why) {
      return new TftrtException("function '" + fname + "' refers to '" + ref + "', which " + why);
    }
  }
}
