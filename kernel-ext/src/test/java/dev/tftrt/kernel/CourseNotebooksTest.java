package dev.tftrt.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The course: every notebook after the kernel smoke test (which {@link NotebookSmokeTest} checks in detail),
 * executed with Jupyter on the installed kernel as {@code ./tftrt notebooks} does it. A cell that fails without
 * the {@code raises-exception} tag fails its notebook's test, naming the cell and the error.
 */
class CourseNotebooksTest {
  @TempDir
  static Path out;
  private static List<NotebookRunner.Result> results;

  @BeforeAll
  static void executeTheCourse() {
    List<Path> course = NotebookRunner.courseNotebooks(Path.of("../notebooks")).stream()
        .filter(p -> !p.getFileName().toString().startsWith("00-")).toList();
    results = NotebookRunner.run(course, out, 600, System.err::println);
  }

  @Test
  void theCourseIsThere() {
    assertTrue(results.size() >= 1, "notebooks/01.. are missing");
  }

  @TestFactory
  Stream<DynamicTest> everyCellRunsWithoutError() {
    return results.stream().map(r -> DynamicTest.dynamicTest(r.notebook().getFileName().toString(), () -> {
      assertEquals(List.of(), r.errors(), "cells that failed in " + r.executed());
      assertTrue(r.codeCells() > 0, "no code cells in " + r.notebook());
    }));
  }
}
