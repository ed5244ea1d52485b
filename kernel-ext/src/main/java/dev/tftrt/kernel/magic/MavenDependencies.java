package dev.tftrt.kernel.magic;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.maven.repository.internal.MavenRepositorySystemUtils;
import org.eclipse.aether.DefaultRepositorySystemSession;
import org.eclipse.aether.RepositorySystem;
import org.eclipse.aether.artifact.DefaultArtifact;
import org.eclipse.aether.collection.CollectRequest;
import org.eclipse.aether.graph.Dependency;
import org.eclipse.aether.repository.LocalRepository;
import org.eclipse.aether.repository.RemoteRepository;
import org.eclipse.aether.resolution.ArtifactResult;
import org.eclipse.aether.resolution.DependencyRequest;
import org.eclipse.aether.resolution.DependencyResolutionException;
import org.eclipse.aether.supplier.RepositorySystemSupplier;
import org.eclipse.aether.util.artifact.JavaScopes;
import org.eclipse.aether.util.filter.DependencyFilterUtils;

/**
 * Resolves Maven coordinates with their runtime dependencies (Maven Resolver, the library inside Maven) from
 * Maven Central and the local repository, to jar paths.
 */
public final class MavenDependencies {
  public static final RemoteRepository CENTRAL =
      new RemoteRepository.Builder("central", "default", "https://repo.maven.apache.org/maven2/").build();

  private final RepositorySystem system = new RepositorySystemSupplier().get();
  private final Path localRepository;
  private final boolean offline;
  private final List<RemoteRepository> repositories = new ArrayList<>(List.of(CENTRAL));

  /**
   * @param localRepository where artifacts are cached (Maven's ~/.m2/repository by default)
   * @param offline only the local repository, no downloads
   */
  public MavenDependencies(Path localRepository, boolean offline) {
    this.localRepository = localRepository;
    this.offline = offline;
  }

  /** Maven's local repository (~/.m2/repository, or -Dmaven.repo.local), online. */
  public static MavenDependencies standard() {
    String configured = System.getProperty("maven.repo.local");
    Path local = configured != null ? Path.of(configured)
        : Path.of(System.getProperty("user.home"), ".m2", "repository");
    return new MavenDependencies(local, Boolean.getBoolean("tftrt.maven.offline"));
  }

  /** Adds a repository searched after those before it. */
  public void addRepository(String id, String url) {
    repositories.add(new RemoteRepository.Builder(id, "default", url).build());
  }

  public List<RemoteRepository> repositories() {
    return List.copyOf(repositories);
  }

  /**
   * The jars of {@code coordinates} ({@code group:artifact[:extension[:classifier]]:version}) and of their runtime
   * dependencies, in resolution order.
   */
  public List<Path> resolve(String coordinates) throws DependencyResolutionException {
    DefaultRepositorySystemSession session = MavenRepositorySystemUtils.newSession();
    session.setLocalRepositoryManager(system.newLocalRepositoryManager(session,
        new LocalRepository(localRepository.toFile())));
    session.setOffline(offline);
    // POM profiles activate on the JDK version, which the model builder reads from these.
    session.setSystemProperties(System.getProperties());
    CollectRequest collect = new CollectRequest(new Dependency(new DefaultArtifact(coordinates), JavaScopes.RUNTIME),
        repositories);
    DependencyRequest request = new DependencyRequest(collect,
        DependencyFilterUtils.classpathFilter(JavaScopes.RUNTIME));
    List<Path> jars = new ArrayList<>();
    for (ArtifactResult result : system.resolveDependencies(session, request).getArtifactResults()) {
      jars.add(result.getArtifact().getFile().toPath());
    }
    return jars;
  }
}
