package dev.tftrt.runtime;

import dev.tftrt.engine.ShapeRange;
import java.util.List;

/**
 * One engine of a segment as a converted model stores it: the serialized plan and the optimization profile it
 * was built for (one range per segment input). A plan read back from disk that cannot be used (missing,
 * truncated, corrupt) has no bytes and says why in {@code problem}; its profile still lets it be rebuilt.
 */
public record EnginePlan(byte[] plan, List<ShapeRange> profile, String problem) {
  public EnginePlan {
    profile = List.copyOf(profile);
    if ((plan == null) == (problem == null)) {
      throw new IllegalArgumentException("an engine plan has either bytes or a problem");
    }
  }

  public static EnginePlan of(byte[] plan, List<ShapeRange> profile) {
    return new EnginePlan(plan, profile, null);
  }

  public static EnginePlan unusable(List<ShapeRange> profile, String problem) {
    return new EnginePlan(null, profile, problem);
  }

  public boolean usable() {
    return plan != null;
  }
}
