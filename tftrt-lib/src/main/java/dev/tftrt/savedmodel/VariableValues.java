package dev.tftrt.savedmodel;

import dev.tftrt.TftrtException;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.tensorflow.Operation;
import org.tensorflow.Output;
import org.tensorflow.RawTensor;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.exceptions.TensorFlowException;

/**
 * The restored values of a SavedModel's variables, read by TensorFlow Java: the SavedModel is loaded (which
 * restores its checkpoint into a session) and every variable is fetched in one run. A {@code VariableV2} is
 * fetched directly; a resource variable ({@code VarHandleOp}) through a {@code ReadVariableOp} added to the
 * loaded graph (the SavedModel on disk is not touched).
 */
final class VariableValues {
  private static final String COPY_VARIABLES = "copy the whole variables/ folder along with saved_model.pb";
  private static final Pattern SHARD = Pattern.compile("variables\\.data-(\\d{5})-of-(\\d{5})");

  /** A variable to read: its node name, and whether it is a resource variable (with its element type). */
  record Variable(String node, boolean resource, DataType dtype) {}

  private VariableValues() {}

  /** The value of each variable, by node name. */
  static Map<String, TensorValue> read(Path dir, Set<String> tags, List<Variable> variables) {
    if (variables.isEmpty()) {
      return Map.of();
    }
    checkCheckpointFiles(dir);
    Map<String, TensorValue> values = new LinkedHashMap<>();
    try (SavedModelBundle bundle = SavedModelBundle.loader(dir.toString()).withTags(tags.toArray(String[]::new))
        .load()) {
      Session.Runner runner = bundle.session().runner();
      int i = 0;
      for (Variable v : variables) {
        Operation op = bundle.graph().operation(v.node());
        if (op == null) {
          throw new TftrtException("TensorFlow's loaded graph of " + dir + " has no variable '" + v.node() + "'");
        }
        if (v.resource()) {
          Output<?> read = bundle.graph().opBuilder("ReadVariableOp", "tftrt_freeze_read_" + i++,
                  bundle.graph().baseScope())
              .addInput(op.output(0))
              .setAttr("dtype", org.tensorflow.proto.DataType.forNumber(v.dtype().number()))
              .build().output(0);
          runner.fetch(read);
        } else {
          runner.fetch(op.output(0));
        }
      }
      try (Result result = runner.run()) {
        for (int k = 0; k < variables.size(); k++) {
          values.put(variables.get(k).node(), toValue(result.get(k), variables.get(k).node()));
        }
      }
    } catch (TensorFlowException e) {
      throw new TftrtException("TensorFlow could not restore the variables of " + dir + ": "
          + SavedModelFile.firstLine(e.getMessage()) + "; if the checkpoint is damaged, " + COPY_VARIABLES, e);
    }
    return values;
  }

  /**
   * Fails naming the missing file when the checkpoint is incomplete: TensorFlow would otherwise skip the
   * restore (no index) or fail deep in a session run (a missing shard).
   */
  static void checkCheckpointFiles(Path dir) {
    Path vars = dir.resolve("variables");
    if (!Files.isRegularFile(vars.resolve("variables.index"))) {
      throw new TftrtException("SavedModel " + dir + " has variables but no variables/variables.index: "
          + COPY_VARIABLES);
    }
    int shards = -1;
    List<String> present = new ArrayList<>();
    try (Stream<Path> files = Files.list(vars)) {
      for (Path p : files.toList()) {
        Matcher m = SHARD.matcher(p.getFileName().toString());
        if (m.matches()) {
          shards = Integer.parseInt(m.group(2));
          present.add(p.getFileName().toString());
        }
      }
    } catch (IOException e) {
      throw new TftrtException("cannot list " + vars + ": " + e.getMessage(), e);
    }
    if (shards < 0) {
      throw new TftrtException("SavedModel " + dir + " has variables/variables.index but no "
          + "variables/variables.data-* shard, so the variable values are missing: " + COPY_VARIABLES);
    }
    for (int s = 0; s < shards; s++) {
      String name = String.format("variables.data-%05d-of-%05d", s, shards);
      if (!present.contains(name)) {
        throw new TftrtException("SavedModel " + dir + " is missing variables/" + name + " (shard " + (s + 1)
            + " of " + shards + " of its variable values): " + COPY_VARIABLES);
      }
    }
  }

  /** A fetched tensor as a Java constant (element bytes copied; TensorFlow's layout is little-endian here). */
  static TensorValue toValue(Tensor t, String name) {
    RawTensor raw = t.asRawTensor();
    DataType dtype = DataType.fromNumber(raw.dataType().getNumber());
    if (dtype.byteSize() == 0) {
      throw new TftrtException("variable '" + name + "' holds " + dtype.tfName()
          + " values, which cannot become a constant of the frozen graph");
    }
    byte[] bytes = new byte[Math.toIntExact(raw.numBytes())];
    raw.data().read(bytes);
    return TensorValue.ofBytes(dtype, Shape.of(raw.shape().asArray()), bytes);
  }
}
