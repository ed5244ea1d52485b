package dev.tftrt.kernel.magic;

import io.github.spencerpark.jupyter.kernel.magic.registry.LineMagic;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.eclipse.aether.resolution.DependencyResolutionException;

/** {@code %maven group:artifact:version ...} and {@code %mavenRepo id url}: Maven artifacts into the session. */
public final class MavenMagics {
  static final String USAGE = "usage: %maven <group>:<artifact>:<version> ...   (for example"
      + " %maven org.apache.commons:commons-math3:3.6.1; dependencies come along)";
  static final String REPO_USAGE = "usage: %mavenRepo <id> <url>   (searched after Maven Central)";
  private static final Pattern COORDINATES = Pattern.compile("[^:\\s]+(:[^:\\s]+){2,4}");

  private final MavenDependencies dependencies;
  private final Consumer<String> classpath;

  /**
   * @param classpath adds one jar to the session's class path
   */
  public MavenMagics(MavenDependencies dependencies, Consumer<String> classpath) {
    this.dependencies = dependencies;
    this.classpath = classpath;
  }

  /** Resolves each artifact with its runtime dependencies and adds all the jars; returns them. */
  @LineMagic("maven")
  public List<Path> maven(List<String> args) {
    if (args.isEmpty()) {
      throw new MagicUsageException("%maven needs at least one artifact\n" + USAGE);
    }
    for (String coordinates : args) {
      if (!COORDINATES.matcher(coordinates).matches()) {
        throw new MagicUsageException("'" + coordinates + "' is not group:artifact:version\n" + USAGE);
      }
    }
    List<Path> added = new ArrayList<>();
    for (String coordinates : args) {
      try {
        for (Path jar : dependencies.resolve(coordinates)) {
          if (!added.contains(jar)) {
            classpath.accept(jar.toString());
            added.add(jar);
          }
        }
      } catch (DependencyResolutionException e) {
        throw new MagicUsageException("could not resolve " + coordinates + ": " + e.getMessage()
            + "\n(searched " + dependencies.repositories().stream().map(r -> r.getUrl()).toList() + ")\n" + USAGE);
      }
    }
    return added;
  }

  @LineMagic("mavenRepo")
  public String mavenRepo(List<String> args) {
    if (args.size() != 2) {
      throw new MagicUsageException("%mavenRepo takes an id and a url\n" + REPO_USAGE);
    }
    dependencies.addRepository(args.get(0), args.get(1));
    return args.get(0) + " -> " + args.get(1);
  }
}
