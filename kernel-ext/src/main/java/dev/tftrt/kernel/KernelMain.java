package dev.tftrt.kernel;

import io.github.spencerpark.jupyter.channels.JupyterConnection;
import io.github.spencerpark.jupyter.kernel.KernelConnectionProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/** The kernel process Jupyter starts (see {@link Install}): {@code KernelMain <connection-file>}. */
public final class KernelMain {
  private KernelMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: java dev.tftrt.kernel.KernelMain <connection-file>  (Jupyter starts this; see"
          + " dev.tftrt.kernel.Install)");
      System.exit(2);
    }
    beQuiet();
    KernelConnectionProperties connectionProperties =
        KernelConnectionProperties.parse(Files.readString(Path.of(args[0])));
    JupyterConnection connection = new JupyterConnection(connectionProperties);
    TftrtKernel kernel = KernelSession.create();
    kernel.becomeHandlerForConnection(connection);
    connection.connect();
    connection.waitUntilClose();
    // Cells may have left non-daemon threads behind; the kernel is done either way.
    System.exit(0);
  }

  /**
   * Only warnings and errors from java.util.logging (the base kernel's channel chatter is INFO), and
   * headless AWT (charts render to images).
   */
  static void beQuiet() {
    System.setProperty("java.awt.headless", "true");
    LogManager.getLogManager().reset();
    Logger root = Logger.getLogger("");
    root.setLevel(Level.WARNING);
    java.util.logging.ConsoleHandler stderr = new java.util.logging.ConsoleHandler();
    stderr.setLevel(Level.WARNING);
    root.addHandler(stderr);
  }
}
