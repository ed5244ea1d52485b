package dev.tftrt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.tftrt.savedmodel.ModelDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanCommandTest {
  private static final Pattern CONVERTED = Pattern.compile("Converted (\\d+) of (\\d+) ops .* into (\\d+) engines?\\.");
  private static final Pattern WHAT_IF_ROW =
      Pattern.compile("^\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)/(\\d+)\\s+([\\d.]+)%\\s+(\\d+)\\s+[\\d.]+$");

  @TempDir Path dir;

  @Test
  void lenetPlanNamesEveryOpLeftOutAndWritesJsonCsvAndDot() throws IOException {
    Path json = dir.resolve("lenet.json");
    Path csv = dir.resolve("lenet.csv");
    Path dot = dir.resolve("lenet.dot");
    CliRun r = CliRun.of("plan", ModelDirs.LENET.toString(), "--minimum-segment-size", "1", "--denylist", "Softmax",
        "--json", json.toString(), "--csv", csv.toString(), "--dot", dot.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("precision FP32, minimumSegmentSize 1, maxEngines 20, opDenylist Softmax"), r.out());
    assertTrue(Pattern.compile("(?m)^\\s+Softmax\\s+x1\\s+op type Softmax is in opDenylist$").matcher(r.out()).find(),
        r.out());
    Matcher converted = CONVERTED.matcher(r.out());
    assertTrue(converted.find(), r.out());
    int engines = Integer.parseInt(converted.group(3));

    JsonObject j = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
    assertEquals(1, j.getAsJsonObject("params").get("minimumSegmentSize").getAsInt());
    assertEquals("Softmax", j.getAsJsonObject("params").getAsJsonArray("opDenylist").get(0).getAsString());
    assertEquals(engines, j.getAsJsonArray("engines").size());
    assertEquals(Integer.parseInt(converted.group(2)), j.get("ops").getAsInt());
    List<String> rows = Files.readAllLines(csv);
    assertEquals("section,segment,op,count,detail", rows.get(0));
    assertEquals(engines, rows.stream().filter(l -> l.startsWith("engine,")).count());
    assertTrue(rows.stream().anyMatch(l -> l.startsWith("left_out,") && l.contains("Softmax")), rows.toString());
    String graph = Files.readString(dot);
    assertTrue(graph.startsWith("digraph"), graph);
    assertTrue(graph.contains("MySoftMax"), "the graph's nodes are drawn");
  }

  @Test
  void whatIfReplansForEachMinimumSegmentSizeAndLargerSizesNeverConvertMore() {
    CliRun r = CliRun.of("plan", ModelDirs.KWS.toString(), "--what-if-minimum-segment-size", "1,3,10,1000");
    assertEquals(0, r.code(), r.err());
    Matcher converted = CONVERTED.matcher(r.out());
    assertTrue(converted.find(), r.out());
    List<Matcher> rows = r.out().lines().map(WHAT_IF_ROW::matcher).filter(Matcher::matches).toList();
    assertEquals(List.of("1", "3", "10", "1000"), rows.stream().map(m -> m.group(1)).toList(), r.out());
    int previous = Integer.MAX_VALUE;
    for (Matcher m : rows) {
      int ops = Integer.parseInt(m.group(3));
      assertTrue(ops <= previous, "a larger minimum never converts more:\n" + r.out());
      assertEquals(converted.group(2), m.group(4), "the same frozen graph");
      previous = ops;
    }
    assertEquals(converted.group(1), rows.get(1).group(3), "size 3 is the plan printed above");
    assertEquals("0", rows.get(3).group(2), "no segment of the 98-op model has 1000 ops");
  }

  @Test
  void badParametersAreRefusedBeforeFreezingWithTheFieldAndWhatIsAllowed() {
    Map<List<String>, String> cases = Map.of(
        List.of("--precision", "FP8"), "tftrt: precisionMode 'FP8' is not supported; use one of FP32, FP16, INT8",
        List.of("--minimum-segment-size", "0"), "tftrt: minimumSegmentSize must be an integer >= 1, was 0",
        List.of("--max-engines", "-1"), "tftrt: maxEngines must be an integer >= 1, was -1",
        List.of("--what-if-minimum-segment-size", "3,-2"), "tftrt: minimumSegmentSize must be an integer >= 1, was -2");
    cases.forEach((args, message) -> {
      List<String> all = new java.util.ArrayList<>(List.of("plan", ModelDirs.KWS.toString()));
      all.addAll(args);
      CliRun r = CliRun.of(all.toArray(String[]::new));
      assertEquals(2, r.code(), args.toString());
      assertEquals(message, r.message(), r.err());
      assertFalse(r.err().contains("freezing"), "refused before any work: " + r.err());
    });
  }

  @Test
  void aMissingModelIsOneMessage() {
    CliRun r = CliRun.of("plan", dir.resolve("nowhere").toString());
    assertEquals(2, r.code());
    assertTrue(r.message().contains("does not exist"), r.err());
    assertFalse(r.err().contains("\tat "), r.err());
  }

  @Test
  void anOutputInsideTheInputModelIsRefusedAndTheModelIsUntouched() throws IOException {
    Path model = ModelDirs.copy(ModelDirs.MLP, dir.resolve("mlp"));
    Map<String, byte[]> before = ModelDirs.snapshot(model);
    CliRun r = CliRun.of("plan", model.toString(), "--json", model.resolve("variables/plan.json").toString());
    assertEquals(2, r.code());
    assertTrue(r.message().contains("lies inside the input model"), r.err());
    ModelDirs.assertUnchanged(before, model);
  }
}
