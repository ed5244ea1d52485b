package dev.tftrt.runtime;

import java.util.List;

/**
 * A segment of a converted model with what was built for it: its engines (possibly none: then they are built
 * at run time when allowed), its INT8 calibration table (null unless calibrated) and, when building failed,
 * why (the segment then always runs in TensorFlow).
 */
public record SegmentPlans(SegmentSpec spec, List<EnginePlan> engines, byte[] calibrationTable,
    String buildFailure) {
  public SegmentPlans {
    engines = List.copyOf(engines);
  }
}
