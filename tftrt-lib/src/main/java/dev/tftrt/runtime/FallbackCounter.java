package dev.tftrt.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;

/** Counts native fallbacks per segment and reason; safe from many threads. */
final class FallbackCounter {
  private record Key(String segment, FallbackReason reason) {}

  private static final class Tally {
    final LongAdder count = new LongAdder();
    volatile String detail;
  }

  private final Map<Key, Tally> tallies = new ConcurrentHashMap<>();

  void count(String segment, FallbackReason reason, String detail) {
    Tally t = tallies.computeIfAbsent(new Key(segment, reason), k -> new Tally());
    t.detail = detail;
    t.count.increment();
  }

  /** Every (segment, reason) seen, ordered by segment then reason. */
  List<FallbackCount> snapshot() {
    Map<Key, Tally> sorted = new ConcurrentSkipListMap<>(
        java.util.Comparator.comparing(Key::segment).thenComparing(Key::reason));
    sorted.putAll(tallies);
    List<FallbackCount> out = new ArrayList<>();
    sorted.forEach((k, t) -> out.add(new FallbackCount(k.segment(), k.reason(), t.count.sum(), t.detail)));
    return out;
  }
}
