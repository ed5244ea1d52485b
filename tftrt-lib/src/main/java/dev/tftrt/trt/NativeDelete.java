package dev.tftrt.trt;

import java.lang.reflect.Method;
import org.bytedeco.javacpp.Pointer;

/**
 * Deletes TensorRT objects that the 8.6 presets give no {@code destroy()} (IEngineInspector, ITimingCache).
 * JavaCPP generated a deleter for each such class; a blank instance allocated from Java carries its address,
 * which is attached to the object to delete. If JavaCPP's internals differ, the object stays allocated.
 */
final class NativeDelete {
  private NativeDelete() {}

  /** Deletes {@code target} with the deleter of {@code blank}, a fresh Java-allocated object of its class. */
  static void delete(Pointer target, Pointer blank) {
    try (blank) {
      if (target == null || target.isNull()) {
        return;
      }
      Method getter = Pointer.class.getDeclaredMethod("deallocator");
      getter.setAccessible(true);
      Object deallocator = getter.invoke(blank);
      Method address = deallocator.getClass().getDeclaredMethod("deallocatorAddress");
      address.setAccessible(true);
      long deleter = (long) address.invoke(deallocator);
      Method init = Pointer.class.getDeclaredMethod("init", long.class, long.class, long.class, long.class);
      init.setAccessible(true);
      Pointer owned = new Pointer(target);
      init.invoke(owned, target.address(), 0L, target.address(), deleter);
      owned.close();
    } catch (ReflectiveOperationException | RuntimeException e) {
      // Leave it allocated: a small leak beats a crash.
    }
  }
}
