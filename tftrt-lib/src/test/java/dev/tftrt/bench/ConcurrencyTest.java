package dev.tftrt.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorInfo;
import dev.tftrt.graph.TensorValue;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The concurrent measurement when one call outlasts the window (the engine cases are in EngineTargetTest). */
class ConcurrencyTest {

  /** A target whose every run takes {@code millis} (native TensorFlow on a CPU at a large batch, in small). */
  private record SlowTarget(long millis) implements InferenceTarget {
    @Override
    public String name() {
      return "slow";
    }

    @Override
    public String precision() {
      return "native";
    }

    @Override
    public Map<String, TensorInfo> inputs() {
      return Map.of("x", new TensorInfo(DataType.FLOAT, Shape.of(-1, 1)));
    }

    @Override
    public PreparedRun prepare(Map<String, TensorValue> batch) {
      return new PreparedRun() {
        @Override
        public void run() {
          try {
            Thread.sleep(millis);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }

        @Override
        public Map<String, TensorValue> outputs() {
          return batch;
        }

        @Override
        public void close() {}
      };
    }

    @Override
    public void close() {}
  }

  @Test
  void aWindowShorterThanOneCallStaysOpenUntilEveryThreadCompletedOne() {
    SlowTarget slow = new SlowTarget(80);
    Concurrency.Result r = Concurrency.measure(slow, InputSource.random(1).batch(slow.inputs(), 4), 2,
        Duration.ofMillis(1), Duration.ofMillis(1));
    assertTrue(r.runs() >= 2, "a run of each thread: " + r.runs());
    assertTrue(r.seconds() >= 0.079, "the window lasted a call: " + r.seconds());
    assertEquals(r.runs() * 4 / r.seconds(), r.imagesPerSecond(), 1e-6);
  }
}
