package dev.tftrt.kernel.magic;

import io.github.spencerpark.jupyter.kernel.magic.registry.CellMagic;
import io.github.spencerpark.jupyter.kernel.magic.registry.LineMagic;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Line and cell magics by name. A magics object contributes its public methods annotated with {@link LineMagic}
 * ({@code (List<String> args)}) or {@link CellMagic} ({@code (List<String> args, String body)}), IJava style;
 * the method's return type is the type the cell sees. Registering a name twice is an error.
 */
public final class MagicRegistry {
  private final Map<String, Method> lineMagics = new TreeMap<>();
  private final Map<String, Method> cellMagics = new TreeMap<>();
  private final Map<Method, Object> targets = new java.util.HashMap<>();

  public MagicRegistry register(Object magics) {
    for (Method method : magics.getClass().getMethods()) {
      LineMagic line = method.getAnnotation(LineMagic.class);
      if (line != null) {
        requireParameters(method, List.class);
        add(lineMagics, names(line.value(), line.aliases(), method), method, magics, "%");
      }
      CellMagic cell = method.getAnnotation(CellMagic.class);
      if (cell != null) {
        requireParameters(method, List.class, String.class);
        add(cellMagics, names(cell.value(), cell.aliases(), method), method, magics, "%%");
      }
    }
    return this;
  }

  private void add(Map<String, Method> into, List<String> names, Method method, Object target, String prefix) {
    for (String name : names) {
      if (into.containsKey(name)) {
        throw new IllegalStateException("magic " + prefix + name + " is registered twice: by "
            + into.get(name).getDeclaringClass().getName() + " and by " + method.getDeclaringClass().getName());
      }
      into.put(name, method);
    }
    targets.put(method, target);
  }

  private static List<String> names(String value, String[] aliases, Method method) {
    List<String> names = new java.util.ArrayList<>();
    names.add(value.isEmpty() ? method.getName() : value);
    names.addAll(List.of(aliases));
    return names;
  }

  private static void requireParameters(Method method, Class<?>... types) {
    if (!java.util.Arrays.equals(method.getParameterTypes(), types)) {
      throw new IllegalStateException("magic method " + method + " must take " + java.util.Arrays.toString(types));
    }
  }

  public Set<String> lineMagicNames() {
    return lineMagics.keySet();
  }

  public Set<String> cellMagicNames() {
    return cellMagics.keySet();
  }

  /** The type a line magic's call evaluates to in the cell, when it is a public type other than void. */
  public Optional<Class<?>> lineMagicType(String name) {
    return Optional.ofNullable(lineMagics.get(name)).map(Method::getReturnType);
  }

  public Optional<Class<?>> cellMagicType(String name) {
    return Optional.ofNullable(cellMagics.get(name)).map(Method::getReturnType);
  }

  public Object applyLine(String name, List<String> args) throws Exception {
    Method method = lineMagics.get(name);
    if (method == null) {
      throw new MagicUsageException("there is no line magic %" + name + "; line magics: %"
          + String.join(", %", lineMagics.keySet()));
    }
    return invoke(method, args);
  }

  public Object applyCell(String name, List<String> args, String body) throws Exception {
    Method method = cellMagics.get(name);
    if (method == null) {
      throw new MagicUsageException("there is no cell magic %%" + name + "; cell magics: %%"
          + String.join(", %%", cellMagics.keySet()));
    }
    return invoke(method, args, body);
  }

  private Object invoke(Method method, Object... args) throws Exception {
    try {
      return method.invoke(targets.get(method), args);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof Exception) {
        throw (Exception) e.getCause();
      }
      throw e;
    }
  }

  /** True when code outside this package can name {@code type} in a cast. */
  static boolean isNameable(Class<?> type) {
    Class<?> component = type;
    while (component.isArray()) {
      component = component.getComponentType();
    }
    if (component.isPrimitive()) {
      return true;
    }
    for (Class<?> c = component; c != null; c = c.getEnclosingClass()) {
      if (!Modifier.isPublic(c.getModifiers()) || c.isAnonymousClass() || c.isLocalClass()) {
        return false;
      }
    }
    return component.getCanonicalName() != null;
  }
}
