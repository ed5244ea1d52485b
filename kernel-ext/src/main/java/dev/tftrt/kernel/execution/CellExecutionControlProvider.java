package dev.tftrt.kernel.execution;

import java.util.Map;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

/** Hands JShell the one {@link CellExecutionControl} the evaluator keeps, so both see the same live values. */
final class CellExecutionControlProvider implements ExecutionControlProvider {
  private final CellExecutionControl control;

  CellExecutionControlProvider(CellExecutionControl control) {
    this.control = control;
  }

  @Override
  public String name() {
    return "tftrt-cell";
  }

  @Override
  public Map<String, String> defaultParameters() {
    return Map.of();
  }

  @Override
  public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
    return control;
  }
}
