package dev.tftrt.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.tftrt.graph.GraphDefs;
import dev.tftrt.graph.Shape;
import dev.tftrt.io.AtomicFiles;
import dev.tftrt.savedmodel.FreezeReport;
import dev.tftrt.savedmodel.FrozenModel;
import dev.tftrt.savedmodel.SavedModelFreezer;
import dev.tftrt.savedmodel.Signature;
import dev.tftrt.savedmodel.SignatureTensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tftrt inspect <saved_model_dir>}: the signatures of a SavedModel, and what freezing one of them does
 * (variables frozen, function calls inlined, nodes removed and why, op histogram before and after).
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
    description = {"Load a SavedModel, freeze one signature as TF-TRT does (variables to constants, function "
        + "calls inlined, unused nodes pruned) and print its signatures, the freeze report and the op histogram "
        + "before and after freezing."})
public final class InspectCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "<saved_model_dir>", description = "SavedModel directory")
  Path model;

  @Mixin
  MetaGraphOptions metaGraph;

  @Option(names = "--json", paramLabel = "FILE", description = "write the signatures and freeze report as JSON")
  Path json;

  @Option(names = "--graphdef", paramLabel = "FILE",
      description = "write the frozen graph as a binary GraphDef (.pb), loadable by TensorFlow")
  Path graphdef;

  @Override
  public Integer call() {
    OutputFiles.requireOutside(model, json, graphdef);
    List<Signature> signatures = SavedModelFreezer.signatures(model, metaGraph.tag);
    FrozenModel frozen = SavedModelFreezer.freeze(model, metaGraph.tag, metaGraph.signature);
    System.out.print(toText(frozen, signatures));
    if (json != null) {
      OutputFiles.writeText(json, toJson(frozen, signatures));
    }
    if (graphdef != null) {
      AtomicFiles.writeAtomically(graphdef, GraphDefs.toProto(frozen.graph()).toByteArray());
      System.out.println("wrote " + graphdef + " (frozen GraphDef, " + frozen.graph().size() + " nodes)");
    }
    return 0;
  }

  static String toText(FrozenModel m, List<Signature> signatures) {
    FreezeReport r = m.report();
    StringBuilder b = new StringBuilder();
    b.append("SavedModel ").append(m.source()).append(" (tags '").append(m.tag()).append("')\n");
    b.append("\nSignatures (").append(signatures.size()).append(")\n");
    for (Signature s : signatures) {
      b.append("  ").append(s.key()).append(s.key().equals(m.signatureKey()) ? "  (frozen below)" : "")
          .append('\n');
      tensors(b, "inputs: ", s.inputs());
      tensors(b, "outputs:", s.outputs());
    }

    int before = total(r.opsBefore());
    int after = total(r.opsAfter());
    b.append("\nFreezing '").append(m.signatureKey()).append("'\n");
    b.append("  variables frozen into constants: ").append(r.variablesFrozen()).append('\n');
    b.append("  function calls inlined:          ").append(r.functionCallsInlined()).append('\n');
    b.append("  nodes: ").append(before).append(" reachable before freezing, ").append(after)
        .append(" in the frozen graph\n");
    int removed = total(r.removedByReason());
    b.append("  nodes removed, by reason (").append(removed).append(removed == 0 ? ")\n" : "):\n");
    new TreeMap<>(r.removedByReason()).forEach((why, n) ->
        b.append(String.format(Locale.ROOT, "    %6d  %s%n", n, why)));
    b.append("  frozen inputs:  ").append(join(m.inputs())).append('\n');
    b.append("  frozen outputs: ").append(join(m.outputs())).append('\n');

    b.append("\nOp histogram (before -> after freezing)\n");
    TreeSet<String> ops = new TreeSet<>(r.opsBefore().keySet());
    ops.addAll(r.opsAfter().keySet());
    int width = ops.stream().mapToInt(String::length).max().orElse(2);
    b.append(String.format(Locale.ROOT, "  %-" + width + "s %7s %7s%n", "op", "before", "after"));
    for (String op : ops) {
      b.append(String.format(Locale.ROOT, "  %-" + width + "s %7d %7d%n", op, r.opsBefore().getOrDefault(op, 0),
          r.opsAfter().getOrDefault(op, 0)));
    }
    b.append(String.format(Locale.ROOT, "  %-" + width + "s %7d %7d%n", "total", before, after));
    return b.toString();
  }

  private static void tensors(StringBuilder b, String label, List<SignatureTensor> ts) {
    if (ts.isEmpty()) {
      b.append("    ").append(label).append(" (none)\n");
    }
    for (int i = 0; i < ts.size(); i++) {
      SignatureTensor t = ts.get(i);
      b.append("    ").append(i == 0 ? label : " ".repeat(label.length())).append(' ').append(t.key())
          .append(": ").append(t.dtype().tfName()).append(t.shape()).append("  (").append(t.tensor().tensorName())
          .append(")\n");
    }
  }

  private static String join(List<SignatureTensor> ts) {
    StringBuilder b = new StringBuilder();
    for (SignatureTensor t : ts) {
      b.append(b.length() == 0 ? "" : ", ").append(t.key()).append(" = ").append(t.tensor()).append(' ')
          .append(t.dtype().tfName()).append(t.shape());
    }
    return b.toString();
  }

  private static int total(Map<String, Integer> counts) {
    return counts.values().stream().mapToInt(Integer::intValue).sum();
  }

  static String toJson(FrozenModel m, List<Signature> signatures) {
    FreezeReport r = m.report();
    JsonObject o = new JsonObject();
    o.addProperty("model", m.source().toString());
    o.addProperty("tags", m.tag());
    JsonArray sigs = new JsonArray();
    for (Signature s : signatures) {
      JsonObject j = new JsonObject();
      j.addProperty("key", s.key());
      j.add("inputs", tensors(s.inputs()));
      j.add("outputs", tensors(s.outputs()));
      sigs.add(j);
    }
    o.add("signatures", sigs);
    JsonObject f = new JsonObject();
    f.addProperty("signature", m.signatureKey());
    f.addProperty("variablesFrozen", r.variablesFrozen());
    f.addProperty("functionCallsInlined", r.functionCallsInlined());
    f.addProperty("nodesBefore", total(r.opsBefore()));
    f.addProperty("nodesAfter", total(r.opsAfter()));
    f.add("removedByReason", counts(r.removedByReason()));
    f.add("opsBefore", counts(r.opsBefore()));
    f.add("opsAfter", counts(r.opsAfter()));
    f.add("inputs", tensors(m.inputs()));
    f.add("outputs", tensors(m.outputs()));
    o.add("frozen", f);
    return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create().toJson(o);
  }

  private static JsonArray tensors(List<SignatureTensor> ts) {
    JsonArray a = new JsonArray();
    for (SignatureTensor t : ts) {
      JsonObject j = new JsonObject();
      j.addProperty("key", t.key());
      j.addProperty("tensor", t.tensor().tensorName());
      j.addProperty("dtype", t.dtype().tfName());
      j.add("shape", shape(t.shape()));
      a.add(j);
    }
    return a;
  }

  /** Dimensions with -1 for unknown ones; null for an unknown rank. */
  private static com.google.gson.JsonElement shape(Shape s) {
    if (!s.hasRank()) {
      return JsonNull.INSTANCE;
    }
    JsonArray a = new JsonArray();
    for (long d : s.dims()) {
      a.add(d < 0 ? -1 : d);
    }
    return a;
  }

  private static JsonObject counts(Map<String, Integer> counts) {
    JsonObject j = new JsonObject();
    new TreeMap<>(counts).forEach(j::addProperty);
    return j;
  }
}
