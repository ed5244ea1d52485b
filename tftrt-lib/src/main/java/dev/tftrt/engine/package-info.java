/**
 * The engine door: everything the rest of the project does with TensorRT, in plain Java types. Build a
 * network (a {@link dev.tftrt.convert.NetworkBuilder}) into a serialized engine with an {@link EngineConfig},
 * deserialize it, inspect its layers and run it from host or device buffers.
 *
 * <p>{@link TensorRtBackends#system()} finds the JavaCPP implementation ({@code dev.tftrt.trt}) through
 * {@link java.util.ServiceLoader}; without a GPU or the native libraries it answers an unavailable backend
 * whose {@link Availability#reason()} says why, and nothing crashes. {@link RecordingTensorRtBackend} is the
 * same interface with no native code, for tests and dry runs.
 */
package dev.tftrt.engine;
