package dev.tftrt.runtime;

import dev.tftrt.TftrtException;
import dev.tftrt.graph.TensorValue;
import dev.tftrt.savedmodel.SignatureTensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A converted model's inputs bound to device memory for repeated runs, as ONNX Runtime's I/O binding or
 * TensorRT's own bindings: {@link ConvertedModel#bind} copies the inputs to the GPU once, each {@link #run()}
 * executes the model with its tensors kept on the device, and an output comes to the host only when
 * {@link #output} asks for it. So a loop of runs costs what the engines cost, not the copying of the inputs
 * (ResNet-50 at batch 256: 154 MB per {@link ConvertedModel#run} call).
 *
 * <p>Runs give what {@link ConvertedModel#run} gives for the same inputs: the same stages, engines and
 * fallbacks (counted in {@link ConvertedModel#fallbacks()}). A segment that runs in TensorFlow (no engine, a
 * shape outside every profile, no TensorRT) reads the host values given to {@code bind} (kept, not copied) and
 * copies device tensors to the host as it needs them; on a machine without TensorRT nothing is copied to a
 * device at all.
 *
 * <p>One run at a time per binding: calls on one binding from several threads take turns; several bindings of
 * one model run at once, as {@link ConvertedModel#run} calls do, each on its own execution contexts (a binding
 * runs again on the contexts it used last when they are free, so that their CUDA graphs, captured for its
 * tensors, replay). {@link #close()} frees the device memory; the model's close closes its bindings.
 */
public final class BoundRun implements AutoCloseable {
  private final HybridExecutor.Bound bound;
  private final List<SignatureTensor> outputs;

  BoundRun(HybridExecutor.Bound bound, List<SignatureTensor> outputs) {
    this.bound = bound;
    this.outputs = outputs;
  }

  /**
   * Runs the model on the bound inputs and returns (this, for chaining) when its device work has finished; the
   * outputs stay where the last stage left them (on the device after an engine).
   *
   * @throws TftrtException when this binding or its model is closed
   */
  public BoundRun run() {
    bound.run();
    return this;
  }

  /**
   * The output {@code key} of the last {@link #run()}, copied to the host on the first call (later calls give the
   * same value until the next run).
   *
   * @throws TftrtException when the model has no such output, nothing ran yet, or this binding is closed
   */
  public TensorValue output(String key) {
    return bound.output(signatureOutput(key).tensor());
  }

  /** Every output of the last {@link #run()} by key, in signature order, copied to the host. */
  public Map<String, TensorValue> outputs() {
    Map<String, TensorValue> out = new LinkedHashMap<>();
    outputs.forEach(o -> out.put(o.key(), bound.output(o.tensor())));
    return out;
  }

  /** Whether output {@code key} of the last run is in device memory, not yet copied to the host. */
  public boolean outputOnDevice(String key) {
    return bound.onDevice(signatureOutput(key).tensor());
  }

  /** How many of the model's inputs are held on the device (those a segment with an engine reads). */
  public int inputsOnDevice() {
    return bound.inputsOnDevice();
  }

  private SignatureTensor signatureOutput(String key) {
    return outputs.stream().filter(o -> o.key().equals(key)).findFirst().orElseThrow(() -> new TftrtException(
        "the model has no output '" + key + "'; it has " + outputs.stream().map(SignatureTensor::key).toList()));
  }

  public boolean isClosed() {
    return bound.isClosed();
  }

  /** Frees the device memory of the bound inputs and of the tensors the runs made. Idempotent. */
  @Override
  public void close() {
    bound.close();
  }
}
