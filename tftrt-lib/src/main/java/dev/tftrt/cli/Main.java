package dev.tftrt.cli;

import dev.tftrt.TftrtException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tftrt} command line: one subcommand per phase of the workflow. */
@Command(name = "tftrt", mixinStandardHelpOptions = true, version = "tftrt-java 0.1.0",
    description = "TF-TRT for Java: inspect, plan, convert and benchmark TensorFlow SavedModels with TensorRT.",
    subcommands = {DemoCommand.class, InspectCommand.class, PlanCommand.class, ConvertCommand.class,
        ZooCommand.class, BenchCommand.class, ImagesCommand.class})
public final class Main {

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line; bad input ({@link TftrtException}, bad arguments) prints one message and gives 2. */
  public static int run(String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      if (e instanceof TftrtException) {
        commandLine.getErr().println("tftrt: " + e.getMessage());
        return 2;
      }
      throw e;
    });
    return cli.execute(args);
  }
}
