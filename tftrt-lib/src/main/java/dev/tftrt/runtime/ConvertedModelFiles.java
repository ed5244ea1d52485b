package dev.tftrt.runtime;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.tftrt.TftrtException;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.engine.Availability;
import dev.tftrt.engine.ShapeRange;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.GraphDefs;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.io.AtomicFiles;
import dev.tftrt.savedmodel.SignatureTensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.tensorflow.proto.GraphDef;

/**
 * The converted model on disk, one directory:
 *
 * <pre>
 * manifest.json             format version, params, TensorFlow/TensorRT versions, GPU, signature, segments
 * graph.pb                  the optimized frozen graph (GraphDef) the segments are cut from
 * engines/NN-name/profile-K.plan   one serialized engine per segment and optimization profile
 * calibration/NN-name.calib        INT8 calibration tables
 * timing.cache              TensorRT's timing cache (rebuilds take a fraction of the first build)
 * </pre>
 *
 * Every file the manifest names carries its size and SHA-256, so a truncated or corrupt plan is found before
 * TensorRT sees it. Writing is atomic: a temporary sibling directory, renamed into place (an older converted
 * model there is swapped out only once the new one is complete). Reading refuses manifests from a newer
 * format and paths that leave the directory.
 */
public final class ConvertedModelFiles {
  public static final String FORMAT = "tftrt-converted-model";
  public static final int FORMAT_VERSION = 1;
  public static final String MANIFEST = "manifest.json";
  static final String GRAPH = "graph.pb";
  static final String TIMING_CACHE = "timing.cache";
  private static final String TEMP_MARK = ".tftrt-tmp-";
  private static final String OLD_MARK = ".tftrt-old-";
  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

  private ConvertedModelFiles() {}

  // ---- manifest, as JSON ----

  static final class Manifest {
    String format;
    int formatVersion;
    String createdBy = "tftrt-java";
    SourceJson source;
    JsonObject params;
    String tensorflowVersion;
    BuiltWithJson builtWith;
    FileJson graph;
    List<TensorJson> inputs = new ArrayList<>();
    List<TensorJson> outputs = new ArrayList<>();
    List<SegmentJson> segments = new ArrayList<>();
    FileJson timingCache;
  }

  static final class SourceJson {
    String savedModel;
    String tag;
    String signatureKey;
  }

  /** The machine the plans were built on; plans are reused only on the same GPU model and TensorRT version. */
  static final class BuiltWithJson {
    boolean tensorRtAvailable;
    String reason;
    String gpuName;
    String computeCapability;
    String driverVersion;
    String cudaRuntimeVersion;
    String tensorRtVersion;
  }

  static final class FileJson {
    String path;
    long bytes;
    String sha256;
  }

  static final class TensorJson {
    String key;
    String tensor;
    String dtype;
    long[] shape;
  }

  static final class SegmentJson {
    String name;
    List<String> nodes;
    List<String> inputs;
    List<String> outputs;
    List<EngineJson> engines = new ArrayList<>();
    FileJson calibrationTable;
    String buildFailure;
  }

  static final class EngineJson {
    FileJson plan;
    List<RangeJson> profile = new ArrayList<>();
  }

  static final class RangeJson {
    long[] min;
    long[] opt;
    long[] max;
  }

  // ---- writing ----

  /**
   * Writes {@code contents} to {@code out} atomically. {@code out} must not exist, be empty, or hold a converted
   * model (which is replaced once the new one is complete). Refuses to write into, over or around the
   * SavedModel the model was converted from.
   */
  public static Path write(ConvertedModelContents contents, Path out) {
    Path target = requireWritable(out, contents.source().savedModel());
    Path parent = target.getParent();
    if (parent == null) {
      throw new TftrtException("cannot write a converted model to the file system root; give a directory");
    }
    Path temp = null;
    try {
      Files.createDirectories(parent);
      removeLeftovers(parent, target.getFileName().toString());
      temp = AtomicFiles.createTempDirectory(parent, "." + target.getFileName() + TEMP_MARK);
      writeContents(contents, temp);
      replace(temp, target);
      temp = null;
      return target;
    } catch (IOException e) {
      throw new TftrtException("could not write the converted model to " + target + ": " + e, e);
    } finally {
      if (temp != null) {
        AtomicFiles.deleteTree(temp);
      }
    }
  }

  /**
   * Checks, before any work, that a converted model of {@code source} may be written to {@code out} (see
   * {@link #write}); returns the absolute output path.
   *
   * @throws TftrtException naming the problem and the fix
   */
  public static Path requireWritable(Path out, Path source) {
    Path target = out.toAbsolutePath().normalize();
    requireNotTheSource(target, source);
    requireReplaceable(target);
    return target;
  }

  private static void requireNotTheSource(Path target, Path source) {
    if (source == null) {
      return;
    }
    List<Path> sources = new ArrayList<>(List.of(source.toAbsolutePath().normalize()));
    List<Path> targets = new ArrayList<>(List.of(target));
    try {
      if (Files.exists(source)) {
        sources.add(source.toRealPath());
      }
      if (Files.exists(target)) {
        targets.add(target.toRealPath());
      } else if (target.getParent() != null && Files.exists(target.getParent())) {
        targets.add(target.getParent().toRealPath().resolve(target.getFileName()));
      }
    } catch (IOException e) {
      throw new TftrtException("cannot resolve " + target + " or " + source + ": " + e, e);
    }
    for (Path s : sources) {
      for (Path t : targets) {
        if (t.equals(s) || t.startsWith(s) || s.startsWith(t)) {
          throw new TftrtException("refusing to write the converted model to " + target + ": that would "
              + (t.startsWith(s) && !t.equals(s) ? "write into" : "replace") + " the SavedModel it was converted from (" + source
              + "); give another output directory");
        }
      }
    }
  }

  private static void requireReplaceable(Path target) {
    if (Files.isRegularFile(target)) {
      throw new TftrtException(target + " is a file; give a directory for the converted model");
    }
    if (Files.isDirectory(target)) {
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(target)) {
        if (entries.iterator().hasNext() && !Files.isRegularFile(target.resolve(MANIFEST))) {
          throw new TftrtException(target + " is not empty and is not a converted model (no " + MANIFEST
              + "); it is not overwritten: give a new directory");
        }
      } catch (IOException e) {
        throw new TftrtException("cannot read " + target + ": " + e, e);
      }
    }
  }

  /** Temporary directories of earlier writes that were killed midway: never a model anyone reads. */
  private static void removeLeftovers(Path parent, String name) throws IOException {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(parent, "." + name + ".tftrt-*")) {
      for (Path p : entries) {
        String n = p.getFileName().toString();
        if (n.startsWith("." + name + TEMP_MARK) || n.startsWith("." + name + OLD_MARK)) {
          AtomicFiles.deleteTree(p);
        }
      }
    }
  }

  private static void replace(Path complete, Path target) throws IOException {
    if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      AtomicFiles.moveToFreePlace(complete, target);
      return;
    }
    if (isEmptyDirectory(target)) {
      Files.delete(target);
      AtomicFiles.moveToFreePlace(complete, target);
      return;
    }
    Path old = AtomicFiles.createTempDirectory(target.getParent(), "." + target.getFileName() + OLD_MARK);
    Path oldModel = old.resolve("model");
    AtomicFiles.moveToFreePlace(target, oldModel);
    try {
      AtomicFiles.moveToFreePlace(complete, target);
    } catch (IOException e) {
      AtomicFiles.moveToFreePlace(oldModel, target);
      AtomicFiles.deleteTree(old);
      throw e;
    }
    AtomicFiles.deleteTree(old);
  }

  private static boolean isEmptyDirectory(Path dir) throws IOException {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      return !entries.iterator().hasNext();
    }
  }

  private static void writeContents(ConvertedModelContents c, Path dir) throws IOException {
    Manifest m = new Manifest();
    m.format = FORMAT;
    m.formatVersion = FORMAT_VERSION;
    m.source = new SourceJson();
    m.source.savedModel = c.source().savedModel() == null ? null
        : c.source().savedModel().toAbsolutePath().normalize().toString();
    m.source.tag = c.source().tag();
    m.source.signatureKey = c.source().signatureKey();
    m.params = c.params().toJsonTree();
    m.tensorflowVersion = org.tensorflow.TensorFlow.version();
    m.builtWith = builtWith(c.builtWith());
    m.graph = writeFile(dir, GRAPH, GraphDefs.toProto(c.graph()).toByteArray());
    c.inputs().forEach(t -> m.inputs.add(tensorJson(t)));
    c.outputs().forEach(t -> m.outputs.add(tensorJson(t)));
    for (int i = 0; i < c.segments().size(); i++) {
      SegmentPlans s = c.segments().get(i);
      String base = String.format(java.util.Locale.ROOT, "%02d-%s", i, s.spec().name().replaceAll("[^A-Za-z0-9_.-]", "_"));
      SegmentJson sj = new SegmentJson();
      sj.name = s.spec().name();
      sj.nodes = s.spec().nodes();
      sj.inputs = s.spec().inputs().stream().map(TensorRef::tensorName).toList();
      sj.outputs = s.spec().outputs().stream().map(TensorRef::tensorName).toList();
      sj.buildFailure = s.buildFailure();
      int k = 0;
      for (EnginePlan p : s.engines()) {
        if (!p.usable()) {
          continue;
        }
        EngineJson ej = new EngineJson();
        ej.plan = writeFile(dir, "engines/" + base + "/profile-" + k++ + ".plan", p.plan());
        for (ShapeRange r : p.profile()) {
          RangeJson rj = new RangeJson();
          rj.min = r.min().dims();
          rj.opt = r.opt().dims();
          rj.max = r.max().dims();
          ej.profile.add(rj);
        }
        sj.engines.add(ej);
      }
      if (s.calibrationTable() != null && s.calibrationTable().length > 0) {
        sj.calibrationTable = writeFile(dir, "calibration/" + base + ".calib", s.calibrationTable());
      }
      m.segments.add(sj);
    }
    if (c.timingCache().length > 0) {
      m.timingCache = writeFile(dir, TIMING_CACHE, c.timingCache());
    }
    // The manifest last: a directory with a manifest is complete.
    Files.writeString(dir.resolve(MANIFEST), GSON.toJson(m), StandardCharsets.UTF_8);
  }

  private static BuiltWithJson builtWith(Availability a) {
    BuiltWithJson b = new BuiltWithJson();
    b.tensorRtAvailable = a.available();
    b.reason = a.available() ? null : a.reason();
    b.gpuName = a.gpuName();
    b.computeCapability = a.computeCapability();
    b.driverVersion = a.driverVersion();
    b.cudaRuntimeVersion = a.cudaRuntimeVersion();
    b.tensorRtVersion = a.tensorRtVersion();
    return b;
  }

  private static TensorJson tensorJson(SignatureTensor t) {
    TensorJson j = new TensorJson();
    j.key = t.key();
    j.tensor = t.tensor().tensorName();
    j.dtype = t.dtype().name();
    j.shape = t.shape().hasRank() ? t.shape().dims() : null;
    return j;
  }

  private static FileJson writeFile(Path dir, String relative, byte[] bytes) throws IOException {
    Path file = dir.resolve(relative);
    Files.createDirectories(file.getParent());
    Files.write(file, bytes);
    FileJson f = new FileJson();
    f.path = relative;
    f.bytes = bytes.length;
    f.sha256 = sha256(bytes);
    return f;
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- reading ----

  /** What a directory holds, plus what was wrong with files that are not essential (plans, tables, cache). */
  public record Read(ConvertedModelContents contents, List<String> problems) {}

  /**
   * Reads a converted model directory. Missing or damaged plans, calibration tables and timing cache are
   * reported in {@link Read#problems()} (and their plans marked unusable), not thrown.
   *
   * @throws TftrtException when the directory is not a converted model, its manifest is from a newer format
   *     or names a path outside the directory, or the graph is missing or corrupt
   */
  public static Read read(Path dir) {
    Path root = dir.toAbsolutePath().normalize();
    if (!Files.isDirectory(root)) {
      throw new TftrtException("no converted model at " + root + " (no such directory); give the directory that "
          + "`tftrt convert` or TrtGraphConverterV2.save wrote");
    }
    Path manifestFile = root.resolve(MANIFEST);
    if (!Files.isRegularFile(manifestFile)) {
      throw new TftrtException(root + " is not a converted model (no " + MANIFEST + ")"
          + (Files.exists(root.resolve("saved_model.pb")) ? "; it is a SavedModel: convert it first with "
          + "`tftrt convert` or TrtGraphConverterV2" : "; give the directory that `tftrt convert` wrote"));
    }
    Manifest m;
    try {
      m = GSON.fromJson(Files.readString(manifestFile, StandardCharsets.UTF_8), Manifest.class);
    } catch (JsonParseException | IOException e) {
      throw new TftrtException(manifestFile + " is not a valid manifest (" + e.getMessage() + "); the converted "
          + "model is damaged: convert the SavedModel again", e);
    }
    if (m == null || !FORMAT.equals(m.format)) {
      throw new TftrtException(manifestFile + " is not a tftrt converted-model manifest (format '"
          + (m == null ? null : m.format) + "', expected '" + FORMAT + "')");
    }
    if (m.formatVersion > FORMAT_VERSION) {
      throw new TftrtException(root + " was written in converted-model format version " + m.formatVersion
          + " by a newer tftrt; this version reads format " + FORMAT_VERSION + " and older: upgrade tftrt or "
          + "convert the SavedModel again with this version");
    }
    if (m.formatVersion < 1) {
      throw new TftrtException(manifestFile + " has no valid formatVersion (" + m.formatVersion + ")");
    }
    try {
      return parse(root, m);
    } catch (NullPointerException | IllegalArgumentException | IllegalStateException e) {
      throw new TftrtException(manifestFile + " is incomplete or malformed (" + e.getMessage() + "); convert the "
          + "SavedModel again", e);
    }
  }

  private static Read parse(Path root, Manifest m) {
    List<String> problems = new ArrayList<>();
    if (m.graph == null) {
      throw new TftrtException(root.resolve(MANIFEST) + " names no graph file; convert the SavedModel again");
    }
    byte[] graphBytes = readChecked(root, m.graph, "the graph");
    Graph graph;
    try {
      graph = GraphDefs.fromProto(GraphDef.parseFrom(graphBytes));
    } catch (InvalidProtocolBufferException e) {
      throw new TftrtException(root.resolve(m.graph.path) + " is not a valid GraphDef: " + e.getMessage(), e);
    }
    TrtConversionParams params = TrtConversionParams.fromJson(m.params.toString());
    List<SignatureTensor> inputs = m.inputs.stream().map(ConvertedModelFiles::signatureTensor).toList();
    List<SignatureTensor> outputs = m.outputs.stream().map(ConvertedModelFiles::signatureTensor).toList();
    List<SegmentPlans> segments = new ArrayList<>();
    for (SegmentJson s : m.segments) {
      SegmentSpec spec = new SegmentSpec(s.name, s.nodes, s.inputs.stream().map(TensorRef::parse).toList(),
          s.outputs.stream().map(TensorRef::parse).toList());
      List<EnginePlan> engines = new ArrayList<>();
      for (EngineJson e : s.engines) {
        List<ShapeRange> profile = e.profile.stream()
            .map(r -> new ShapeRange(Shape.of(r.min), Shape.of(r.opt), Shape.of(r.max))).toList();
        String problem = problem(root, e.plan);
        if (problem == null) {
          engines.add(EnginePlan.of(readChecked(root, e.plan, "a plan"), profile));
        } else {
          problems.add("segment '" + s.name + "': " + problem);
          engines.add(EnginePlan.unusable(profile, problem));
        }
      }
      byte[] table = null;
      if (s.calibrationTable != null) {
        String problem = problem(root, s.calibrationTable);
        if (problem == null) {
          table = readChecked(root, s.calibrationTable, "a calibration table");
        } else {
          problems.add("segment '" + s.name + "': " + problem);
        }
      }
      segments.add(new SegmentPlans(spec, engines, table, s.buildFailure));
    }
    byte[] timingCache = new byte[0];
    if (m.timingCache != null) {
      String problem = problem(root, m.timingCache);
      if (problem == null) {
        timingCache = readChecked(root, m.timingCache, "the timing cache");
      } else {
        problems.add(problem + " (engines are rebuilt without it, only slower)");
      }
    }
    BuiltWithJson b = m.builtWith;
    Availability builtWith = b == null || !b.tensorRtAvailable
        ? Availability.unavailable(b == null || b.reason == null ? "nothing built" : b.reason)
        : new Availability(true, "", b.gpuName, b.computeCapability, b.driverVersion, b.cudaRuntimeVersion,
            b.tensorRtVersion);
    ConvertedModelContents.Source source = new ConvertedModelContents.Source(
        m.source == null || m.source.savedModel == null ? null : Path.of(m.source.savedModel),
        m.source == null ? null : m.source.tag, m.source == null ? null : m.source.signatureKey);
    return new Read(new ConvertedModelContents(source, params, graph, inputs, outputs, segments, timingCache,
        builtWith), problems);
  }

  private static SignatureTensor signatureTensor(TensorJson t) {
    return new SignatureTensor(t.key, TensorRef.parse(t.tensor), DataType.valueOf(t.dtype),
        t.shape == null ? Shape.unknown() : Shape.of(t.shape));
  }

  /**
   * The file a manifest names, refused when it leaves the model directory (an absolute path, {@code ..}, or a
   * link pointing out).
   */
  static Path resolveInside(Path root, String relative) {
    if (relative == null || relative.isEmpty()) {
      throw new TftrtException(root.resolve(MANIFEST) + " names an empty file path; convert the SavedModel again");
    }
    Path rel = Path.of(relative);
    Path file = root.resolve(rel).normalize();
    boolean outside = rel.isAbsolute() || !file.startsWith(root);
    if (!outside && Files.exists(file)) {
      try {
        outside = !file.toRealPath().startsWith(root.toRealPath());
      } catch (IOException e) {
        outside = true;
      }
    }
    if (outside) {
      throw new TftrtException(root.resolve(MANIFEST) + " names the file '" + relative + "', which is outside the "
          + "model directory; refused (a converted model only reads its own files)");
    }
    return file;
  }

  /** Why the named file cannot be used (missing, truncated, corrupt), or null when it can. */
  private static String problem(Path root, FileJson f) {
    Path file = resolveInside(root, f.path);
    try {
      long size = Files.size(file);
      if (size != f.bytes) {
        return f.path + " is " + (size < f.bytes ? "truncated" : "longer than written") + " (" + size + " of "
            + f.bytes + " bytes)";
      }
      if (f.sha256 != null && !f.sha256.equals(sha256(Files.readAllBytes(file)))) {
        return f.path + " is corrupt (its SHA-256 differs from the manifest's)";
      }
      return null;
    } catch (NoSuchFileException e) {
      return f.path + " is missing";
    } catch (IOException e) {
      return f.path + " cannot be read: " + e;
    }
  }

  private static byte[] readChecked(Path root, FileJson f, String what) {
    String problem = problem(root, f);
    if (problem != null) {
      throw new TftrtException("the converted model in " + root + " is damaged: " + what + " " + problem
          + "; convert the SavedModel again");
    }
    try {
      return Files.readAllBytes(resolveInside(root, f.path));
    } catch (IOException e) {
      throw new TftrtException("cannot read " + f.path + " in " + root + ": " + e, e);
    }
  }

}
