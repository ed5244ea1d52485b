package dev.tftrt.savedmodel;

import dev.tftrt.TftrtException;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.GraphDefs;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import com.google.protobuf.InvalidProtocolBufferException;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;

/**
 * A SavedModel directory's {@code saved_model.pb}, read with protobuf alone (no TensorFlow session), and the
 * choice of one MetaGraphDef by tags and one signature by key. Every problem is a {@link TftrtException} that
 * names the directory and what would be right. Reads only: nothing under the directory is written.
 */
record SavedModelFile(Path dir, SavedModel proto) {
  static final String FILE_NAME = "saved_model.pb";
  /** Signatures TensorFlow adds for its own use (initialisation), not for serving. */
  private static final String INIT_OP_SIGNATURE = "__saved_model_init_op";
  private static final String EXPORT_AGAIN = "export the model again or copy it again in full";

  static SavedModelFile read(Path dir) {
    if (!Files.exists(dir)) {
      throw new TftrtException("SavedModel directory " + dir + " does not exist; give the directory that holds "
          + FILE_NAME + " and variables/");
    }
    if (!Files.isDirectory(dir)) {
      throw new TftrtException(dir + " is a file; a SavedModel is a directory holding " + FILE_NAME
          + " and variables/");
    }
    Path pb = dir.resolve(FILE_NAME);
    if (!Files.isRegularFile(pb)) {
      String hint = Files.exists(dir.resolve("saved_model.pbtxt"))
          ? " (it has saved_model.pbtxt, the text form, which is not supported; save it again in binary form ("
              + FILE_NAME + "))"
          : "; give the directory that tf.saved_model.save or SavedModelBundle.exporter wrote";
      throw new TftrtException(dir + " is not a SavedModel: it has no " + FILE_NAME + hint);
    }
    SavedModel proto;
    try {
      proto = SavedModel.parseFrom(Files.readAllBytes(pb));
    } catch (InvalidProtocolBufferException e) {
      throw new TftrtException(pb + " is truncated or corrupt: it does not parse as a SavedModel protobuf ("
          + firstLine(e.getMessage()) + "); " + EXPORT_AGAIN, e);
    } catch (IOException e) {
      throw new TftrtException("cannot read " + pb + ": " + e.getMessage(), e);
    }
    if (proto.getMetaGraphsCount() == 0 || proto.getMetaGraphsList().stream().allMatch(m -> m.getGraphDef()
        .getNodeCount() == 0)) {
      throw new TftrtException(pb + " is empty or corrupt: it holds no MetaGraphDef with a graph; "
          + EXPORT_AGAIN);
    }
    return new SavedModelFile(dir, proto);
  }

  /** Tags as given on the command line: {@code serve}, or several joined by commas ({@code serve,gpu}). */
  static Set<String> parseTags(String tags) {
    Set<String> out = Arrays.stream(tags.split(",")).map(String::trim).filter(t -> !t.isEmpty())
        .collect(Collectors.toCollection(LinkedHashSet::new));
    if (out.isEmpty()) {
      throw new TftrtException("no tag given; SavedModels for inference are usually tagged 'serve'");
    }
    return out;
  }

  /** The MetaGraphDef whose tag set is exactly {@code tags}, as TensorFlow's loader chooses it. */
  MetaGraphDef metaGraph(Set<String> tags) {
    for (MetaGraphDef m : proto.getMetaGraphsList()) {
      if (Set.copyOf(m.getMetaInfoDef().getTagsList()).equals(tags)) {
        return m;
      }
    }
    String available = proto.getMetaGraphsList().stream()
        .map(m -> String.join(",", m.getMetaInfoDef().getTagsList())).map(t -> "'" + t + "'")
        .collect(Collectors.joining(", "));
    throw new TftrtException("SavedModel " + dir + " has no MetaGraphDef tagged '" + String.join(",", tags)
        + "'; available tag sets: " + available);
  }

  /** The serving signatures of {@code meta}, sorted by key ({@code __saved_model_init_op} left out). */
  static Map<String, SignatureDef> servingSignatures(MetaGraphDef meta) {
    Map<String, SignatureDef> out = new TreeMap<>(meta.getSignatureDefMap());
    out.remove(INIT_OP_SIGNATURE);
    return out;
  }

  SignatureDef signature(MetaGraphDef meta, String key) {
    SignatureDef s = servingSignatures(meta).get(key);
    if (s == null) {
      Set<String> keys = servingSignatures(meta).keySet();
      throw new TftrtException("SavedModel " + dir + " (tags '" + String.join(",", meta.getMetaInfoDef()
          .getTagsList()) + "') has no signature '" + key + "'; available: "
          + (keys.isEmpty() ? "none" : String.join(", ", keys)));
    }
    if (s.getOutputsCount() == 0) {
      throw new TftrtException("signature '" + key + "' of " + dir + " has no outputs; nothing to freeze");
    }
    return s;
  }

  /** The signature's tensors ({@code inputs} or {@code outputs} map), sorted by key. */
  static List<SignatureTensor> tensors(String signatureKey, Map<String, TensorInfo> infos) {
    List<SignatureTensor> out = new ArrayList<>();
    new TreeMap<>(infos).forEach((key, info) -> {
      if (info.getEncodingCase() != TensorInfo.EncodingCase.NAME) {
        throw new TftrtException("signature '" + signatureKey + "' tensor '" + key + "' is a "
            + info.getEncodingCase().name().toLowerCase(java.util.Locale.ROOT)
            + " (sparse or composite) tensor; only dense tensors are supported");
      }
      DataType dtype;
      try {
        dtype = DataType.fromNumber(info.getDtypeValue());
      } catch (IllegalArgumentException e) {
        throw new TftrtException("signature '" + signatureKey + "' tensor '" + key + "' has " + e.getMessage());
      }
      Shape shape = info.hasTensorShape() ? GraphDefs.fromProto(info.getTensorShape()) : Shape.unknown();
      out.add(new SignatureTensor(key, TensorRef.parse(info.getName()), dtype, shape));
    });
    return out;
  }

  static String firstLine(String message) {
    if (message == null || message.isBlank()) {
      return "no message";
    }
    String line = message.strip().lines().findFirst().orElse("");
    return line.length() > 300 ? line.substring(0, 300) + "..." : line;
  }
}
