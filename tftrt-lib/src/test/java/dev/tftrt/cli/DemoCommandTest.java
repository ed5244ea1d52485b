package dev.tftrt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.savedmodel.ModelDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {
  @TempDir Path dir;

  @Test
  void runsEveryStepOnTheBundledModelAndTheConvertedModelComputesWhatTheSavedModelDoes() {
    CliRun r = CliRun.of("demo", ModelDirs.KWS.toString(), "--output", dir.resolve("kws-trt").toString());
    assertEquals(0, r.code(), r.err());
    String out = r.out();
    int inspect = out.indexOf("== 1/4  tftrt inspect ");
    int plan = out.indexOf("== 2/4  tftrt plan ");
    int convert = out.indexOf("== 3/4  tftrt convert ");
    int compare = out.indexOf("== 4/4  the converted model against native TensorFlow ");
    assertTrue(inspect >= 0 && inspect < plan && plan < convert && convert < compare, out);
    assertTrue(out.indexOf("variables frozen into constants: 56") > inspect, out);
    assertTrue(out.indexOf("Converted ") > plan && out.indexOf("What if (re-planned") > plan, out);
    assertTrue(out.indexOf("wrote " + dir.resolve("kws-trt").toAbsolutePath()) > convert, out);
    Matcher diff = Pattern.compile("output 'dense' \\[8,12\\]: max abs difference from native TensorFlow (\\S+)")
        .matcher(out.substring(compare));
    assertTrue(diff.find(), out.substring(compare));
    assertTrue(Double.parseDouble(diff.group(1)) <= 1e-5, diff.group());
    assertTrue(Files.isRegularFile(dir.resolve("kws-trt/manifest.json")), "--output keeps the converted model");
  }

  @Test
  void withoutOutputTheConvertedModelGoesToATemporaryDirectoryThatIsRemoved() throws IOException {
    CliRun r = CliRun.of("demo", ModelDirs.MLP.toString());
    assertEquals(0, r.code(), r.err());
    Matcher wrote = Pattern.compile("wrote (\\S+-trt)").matcher(r.out());
    assertTrue(wrote.find(), r.out());
    assertFalse(Files.exists(Path.of(wrote.group(1))), wrote.group(1) + " is removed at the end");
    assertTrue(r.out().contains("output 'dense_5' [8,10]: max abs difference"), r.out());
  }

  @Test
  void stopsAtTheFirstStepThatFailsWithItsMessage() {
    CliRun r = CliRun.of("demo", dir.resolve("nowhere").toString());
    assertEquals(2, r.code());
    assertTrue(r.message().contains("does not exist"), r.err());
    assertFalse(r.out().contains("== 2/4"), r.out());
  }
}
