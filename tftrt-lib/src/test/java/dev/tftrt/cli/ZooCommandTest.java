package dev.tftrt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.SavedModelBundle;

class ZooCommandTest {
  @TempDir Path dir;

  @Test
  void writesALoadableSavedModel() {
    Path out = dir.resolve("cnn");
    assertEquals(0, Main.run("zoo", "small-cnn", out.toString()));
    try (SavedModelBundle b = SavedModelBundle.load(out.toString(), "serve")) {
      assertEquals("serving_default", b.signatures().get(0).key());
    }
  }

  @Test
  void refusesANonEmptyDirectoryWithExitCodeTwo() throws IOException {
    Path out = Files.createDirectories(dir.resolve("taken"));
    Files.writeString(out.resolve("notes.txt"), "keep");
    String err = stderrOf(() -> assertEquals(2, Main.run("zoo", "resnet50", out.toString())));
    assertTrue(err.startsWith("tftrt: ") && err.contains("not empty"), err);
    assertEquals("keep", Files.readString(out.resolve("notes.txt")));
  }

  @Test
  void unknownModelNameListsTheAvailableOnes() {
    String err = stderrOf(() -> assertEquals(2, Main.run("zoo", "alexnet", dir.resolve("a").toString())));
    assertTrue(err.contains("alexnet") && err.contains("small-cnn, inception-block, resnet50, fashion-mnist"), err);
  }

  @Test
  void trainsTheFashionMnistClassifierWithTheGivenBudget() {
    Path out = dir.resolve("fashion");
    String err = stderrOf(() -> assertEquals(0,
        Main.run("zoo", "fashion-mnist", out.toString(), "--epochs", "1", "--train-images", "1000")));
    assertTrue(err.contains("epoch 1/1") && err.contains("test top-1"), err);
    assertTrue(Files.isRegularFile(out.resolve("saved_model.pb")));
  }

  private static String stderrOf(Runnable action) {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      action.run();
    } finally {
      System.setErr(original);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }
}
