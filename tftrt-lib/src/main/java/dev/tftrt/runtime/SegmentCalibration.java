package dev.tftrt.runtime;

import dev.tftrt.TftrtException;
import dev.tftrt.engine.BuildListener;
import dev.tftrt.engine.CalibrationSource;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.graph.TensorValue;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * INT8 calibration batches for one segment, as TF-TRT makes them: each batch of the whole model's calibration
 * input runs through the native graph, and the segment's input tensors at that point are the batch. Streams
 * (one model batch in memory at a time). Batches whose segment inputs differ in shape from the first (a last
 * partial batch) are skipped, as TensorRT calibrates at one shape.
 */
public final class SegmentCalibration implements CalibrationSource {
  private final SegmentSpec segment;
  private final Function<Map<String, TensorValue>, Map<TensorRef, TensorValue>> segmentInputs;
  private final Iterator<Map<String, TensorValue>> batches;
  private final int batchCount;
  private final BuildListener progress;
  private final Map<String, Shape> shapes = new LinkedHashMap<>();
  private Map<String, TensorValue> first;

  /**
   * @param segmentInputs the segment's input tensors for one model batch (runs the native graph)
   */
  public SegmentCalibration(SegmentSpec segment, Iterable<Map<String, TensorValue>> modelBatches,
      Function<Map<String, TensorValue>, Map<TensorRef, TensorValue>> segmentInputs, BuildListener progress) {
    this.segment = segment;
    this.segmentInputs = segmentInputs;
    this.batches = modelBatches.iterator();
    this.batchCount = modelBatches instanceof Collection<?> c ? c.size() : -1;
    this.progress = progress;
    if (!batches.hasNext()) {
      throw new TftrtException("the calibration input yielded no batches; INT8 calibration needs at least one");
    }
    first = bindings(batches.next());
    first.forEach((name, v) -> {
      if (v.dtype() != DataType.FLOAT) {
        throw new TftrtException("segment '" + segment.name() + "' input " + name + " is " + v.dtype().tfName()
            + "; INT8 calibration feeds float32 tensors only");
      }
      shapes.put(name, v.shape());
    });
  }

  /** The segment input shapes of the first batch: the calibration profile. */
  public List<Shape> inputShapes() {
    return List.copyOf(shapes.values());
  }

  private Map<String, TensorValue> bindings(Map<String, TensorValue> modelBatch) {
    Map<TensorRef, TensorValue> values = segmentInputs.apply(modelBatch);
    Map<String, TensorValue> named = new LinkedHashMap<>();
    for (int i = 0; i < segment.inputs().size(); i++) {
      named.put(SegmentSpec.inputBinding(i), values.get(segment.inputs().get(i)));
    }
    return named;
  }

  @Override
  public Map<String, Shape> batchShapes() {
    return shapes;
  }

  @Override
  public int batchCount() {
    return batchCount;
  }

  @Override
  public Optional<Map<String, TensorValue>> next() {
    if (first != null) {
      Map<String, TensorValue> b = first;
      first = null;
      return Optional.of(b);
    }
    while (batches.hasNext()) {
      Map<String, TensorValue> b = bindings(batches.next());
      boolean same = b.entrySet().stream().allMatch(e -> e.getValue().shape().equals(shapes.get(e.getKey())));
      if (same) {
        return Optional.of(b);
      }
      progress.progress("calibration of segment '" + segment.name() + "': skipped a batch with segment input "
          + "shapes " + b.values().stream().map(TensorValue::shape).toList() + " (calibrating at " + shapes.values()
          + ")");
    }
    return Optional.empty();
  }
}
