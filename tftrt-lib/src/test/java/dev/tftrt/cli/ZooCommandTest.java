package dev.tftrt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
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
    CliRun r = CliRun.of("zoo", "resnet50", out.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().startsWith("tftrt: ") && r.err().contains("not empty"), r.err());
    assertEquals("keep", Files.readString(out.resolve("notes.txt")));
  }

  @Test
  void unknownModelNameListsTheAvailableOnes() {
    CliRun r = CliRun.of("zoo", "alexnet", dir.resolve("a").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("alexnet") && r.err().contains("small-cnn, inception-block, resnet50, fashion-mnist"),
        r.err());
  }

  @Test
  void trainsTheFashionMnistClassifierWithTheGivenBudget() {
    Path out = dir.resolve("fashion");
    CliRun r = CliRun.of("zoo", "fashion-mnist", out.toString(), "--epochs", "1", "--train-images", "1000");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("epoch 1/1") && r.err().contains("test top-1"), r.err());
    assertTrue(Files.isRegularFile(out.resolve("saved_model.pb")));
  }
}
