package dev.tftrt.kernel;

/**
 * Something shown in a cell's output that can be replaced in place (Jupyter's display_id): live progress,
 * a table that fills as results arrive. A cell whose value is a Display shows nothing more.
 */
public final class Display {
  private final String id;

  Display(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }

  /** Replaces what is shown with {@code value}, rendered by type. */
  public void update(Object value) {
    Notebook.update(this, value);
  }

  @Override
  public String toString() {
    return "Display[" + id + "]";
  }
}
