package dev.tftrt.savedmodel;

import java.util.Map;

/**
 * What freezing did: op histograms before (the signature's reachable graph with functions counted by their
 * body ops) and after, and how many nodes each step removed, keyed by reason (e.g. "not needed by outputs").
 */
public record FreezeReport(Map<String, Integer> opsBefore, Map<String, Integer> opsAfter, int functionCallsInlined,
    int variablesFrozen, Map<String, Integer> removedByReason) {
  public FreezeReport {
    opsBefore = Map.copyOf(opsBefore);
    opsAfter = Map.copyOf(opsAfter);
    removedByReason = Map.copyOf(removedByReason);
  }
}
