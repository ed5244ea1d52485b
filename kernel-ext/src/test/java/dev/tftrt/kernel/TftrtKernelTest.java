package dev.tftrt.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import io.github.spencerpark.jupyter.kernel.display.mime.MIMEType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The kernel's evaluation and display, in process (the protocol itself: KernelProtocolTest). */
class TftrtKernelTest {
  private static TftrtKernel kernel;

  @BeforeAll
  static void start() throws Exception {
    kernel = KernelSession.create();
  }

  @AfterAll
  static void stop() {
    kernel.close();
  }

  /**
   * On a GPU host whose JRE lacked libharfbuzz, a chart's rendering threw an UnsatisfiedLinkError on the shell
   * thread, which ended it: the kernel never answered again. Now the value shows as text with the reason and
   * the next cell runs.
   */
  @Test
  void aChartThatCannotBeDrawnShowsAsTextWithTheReasonAndTheKernelGoesOn() throws Exception {
    DisplayData shown = kernel.eval("""
        new CategoryChart(400, 300) {
          @Override
          public void paint(java.awt.Graphics2D g, int width, int height) {
            throw new UnsatisfiedLinkError("libfontmanager.so: libharfbuzz.so.0: cannot open shared object file");
          }
        }""");
    String text = String.valueOf(shown.getData(MIMEType.TEXT_PLAIN));
    assertTrue(text.startsWith("CategoryChart: chart (400x300)\n(shown as text: TftrtException: the chart could not "
        + "be drawn: this Java has no working font support (UnsatisfiedLinkError: libfontmanager.so: "
        + "libharfbuzz.so.0"), text);
    assertEquals(null, shown.getData(MIMEType.IMAGE_PNG));
    assertEquals("2", String.valueOf(kernel.eval("1 + 1").getData(MIMEType.TEXT_PLAIN)));
  }

  /** An Error while showing a value (here the value's toString) is the cell's error, not the shell thread's end. */
  @Test
  void anErrorWhileShowingAValueIsReportedAsTheCellsErrorAndTheKernelGoesOn() throws Exception {
    RuntimeException e = assertThrows(RuntimeException.class, () -> kernel.eval("""
        new Object() {
          @Override
          public String toString() {
            throw new OutOfMemoryError("Java heap space (from the value's toString)");
          }
        }"""));
    assertEquals("java.lang.OutOfMemoryError: Java heap space (from the value's toString)", e.getMessage());
    assertEquals("3", String.valueOf(kernel.eval("1 + 2").getData(MIMEType.TEXT_PLAIN)));
  }
}
