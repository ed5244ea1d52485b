package dev.tftrt.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstallTest {
  @TempDir
  Path prefix;

  @Test
  void kernelJsonStartsKernelMainWithTheClassPathAndMessageInterrupts() {
    JsonObject spec = JsonParser.parseString(
        Install.kernelJson("/opt/jdk/bin/java", List.of("/a/tftrt-lib.jar", "/b/classes"))).getAsJsonObject();
    List<String> argv = new ArrayList<>();
    spec.getAsJsonArray("argv").forEach(a -> argv.add(a.getAsString()));
    assertEquals("/opt/jdk/bin/java", argv.get(0));
    assertTrue(argv.contains("-Djava.awt.headless=true"), argv.toString());
    assertEquals("/a/tftrt-lib.jar:/b/classes", argv.get(argv.indexOf("-cp") + 1));
    assertEquals(List.of(KernelMain.class.getName(), "{connection_file}"), argv.subList(argv.size() - 2, argv.size()));
    assertEquals("message", spec.get("interrupt_mode").getAsString());
    assertEquals("java", spec.get("language").getAsString());
    assertEquals("2", spec.getAsJsonObject("env").get("TF_CPP_MIN_LOG_LEVEL").getAsString());
  }

  @Test
  void secondInstallReplacesTheFirstAndUninstallRemovesIt() throws Exception {
    Path kernels = Install.Request.parse(List.of("--prefix", prefix.toString())).kernelsDir();
    assertEquals(prefix.resolve("share/jupyter/kernels"), kernels);
    Path dir = kernels.resolve(Install.KERNEL_NAME);
    Install.install(dir, "{\"first\": true}\n");
    Files.writeString(dir.resolve("stale.txt"), "left from the first install");
    Install.install(dir, "{\"second\": true}\n");
    assertEquals("{\"second\": true}\n", Files.readString(dir.resolve("kernel.json")));
    assertFalse(Files.exists(dir.resolve("stale.txt")), "the old kernelspec is gone, not merged");
    try (var siblings = Files.list(kernels)) {
      assertEquals(List.of(dir), siblings.toList(), "no staging or backup folders left behind");
    }
    assertTrue(Install.uninstall(dir));
    assertFalse(Files.exists(dir));
    assertFalse(Install.uninstall(dir), "uninstalling twice says there was nothing");
  }

  @Test
  void badArgumentsAreRejectedWithTheReason() {
    IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
        () -> Install.Request.parse(List.of("--user", "--prefix", "/x")));
    assertEquals("--user and --prefix exclude each other", both.getMessage());
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> Install.Request.parse(List.of("--system")));
    assertEquals("unknown argument --system", unknown.getMessage());
  }
}
