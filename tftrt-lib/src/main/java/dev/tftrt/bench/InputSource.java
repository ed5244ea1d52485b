package dev.tftrt.bench;

import dev.tftrt.TftrtException;
import dev.tftrt.data.IdxDataset;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorInfo;
import dev.tftrt.graph.TensorValue;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Where benchmark batches come from: seeded random values, or images of a dataset. */
public interface InputSource {

  /** One batch of {@code batchSize} for every input in {@code inputs} (dimension 0 is the batch). */
  Map<String, TensorValue> batch(Map<String, TensorInfo> inputs, int batchSize);

  /** For the environment record and the table's notes. */
  String describe();

  /**
   * Uniform values in [0, 1) for float inputs and 0..9 for integer inputs, drawn from {@code seed}: the same
   * seed and batch size give the same batch.
   */
  static InputSource random(long seed) {
    return new InputSource() {
      @Override
      public Map<String, TensorValue> batch(Map<String, TensorInfo> inputs, int batchSize) {
        Map<String, TensorValue> out = new LinkedHashMap<>();
        int index = 0;
        for (Map.Entry<String, TensorInfo> e : inputs.entrySet()) {
          Shape shape = Batches.batchShape(e.getKey(), e.getValue().shape(), batchSize);
          SplittableRandom random = new SplittableRandom(seed * 1_000_003L + batchSize * 31L + index++);
          out.put(e.getKey(), randomValue(e.getKey(), e.getValue().dtype(), shape, random));
        }
        return out;
      }

      @Override
      public String describe() {
        return "random (seed " + seed + ")";
      }
    };
  }

  /**
   * Images of {@code dataset} from the first on, wrapping around when a batch is larger than the dataset, fed
   * to a model with one float input whose sample holds {@code rows x cols} values ({@code [-1, 28, 28, 1]},
   * {@code [-1, 28, 28]} or {@code [-1, 784]}).
   */
  static InputSource dataset(IdxDataset dataset, String name) {
    return new InputSource() {
      @Override
      public Map<String, TensorValue> batch(Map<String, TensorInfo> inputs, int batchSize) {
        String input = Batches.singleInput(inputs);
        return Map.of(input, Batches.imageBatch(dataset, 0, batchSize, input, inputs.get(input)));
      }

      @Override
      public String describe() {
        return name + " (" + dataset.size() + " images)";
      }
    };
  }

  private static TensorValue randomValue(String name, DataType type, Shape shape, SplittableRandom random) {
    int n = Math.toIntExact(shape.numElements());
    ByteBuffer b = ByteBuffer.allocate(n * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      switch (type) {
        case FLOAT -> b.putFloat((float) random.nextDouble());
        case DOUBLE -> b.putDouble(random.nextDouble());
        case INT32 -> b.putInt(random.nextInt(10));
        case INT64 -> b.putLong(random.nextInt(10));
        case UINT8 -> b.put((byte) random.nextInt(10));
        default -> throw new TftrtException("input '" + name + "' is " + type.tfName()
            + "; random inputs are float32, float64, int32, int64 or uint8");
      }
    }
    return TensorValue.ofBytes(type, shape, b.array());
  }
}
