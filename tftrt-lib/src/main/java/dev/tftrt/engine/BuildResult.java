package dev.tftrt.engine;

import java.util.List;

/**
 * A built engine, serialized.
 *
 * @param plan the serialized engine, for {@link TensorRtBackend#deserialize(byte[])} and for the plan file
 * @param timingCache the timing cache after the build (the given one plus what this build measured); reuse
 *     it to rebuild faster; empty when the backend keeps none
 * @param calibrationTable the INT8 calibration table (reused through
 *     {@link EngineConfig.Builder#calibrationCache(byte[])}); empty unless INT8 was calibrated
 * @param log TensorRT's warnings and errors during the build
 * @param buildMillis wall time of the build, calibration included
 */
public record BuildResult(byte[] plan, byte[] timingCache, byte[] calibrationTable, List<String> log,
    long buildMillis) {

  public BuildResult {
    log = List.copyOf(log);
  }
}
