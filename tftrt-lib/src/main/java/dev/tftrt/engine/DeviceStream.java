package dev.tftrt.engine;

/**
 * A CUDA stream. Work enqueued on one stream runs in order; contexts created on the same stream chain their
 * stages with no host synchronization between them.
 */
public interface DeviceStream extends AutoCloseable {

  /** Waits until everything enqueued so far has finished. */
  void synchronize();

  /** Records an event at this point of the stream (CUDA events, for device-side timing). */
  DeviceEvent record();

  @Override
  void close();

  /** A point recorded on a stream. */
  interface DeviceEvent extends AutoCloseable {
    /** Milliseconds of device time from {@code start} to this event; waits for this event to complete. */
    float millisSince(DeviceEvent start);

    @Override
    void close();
  }
}
