package dev.tftrt.runtime;

import dev.tftrt.plan.ConversionSummary;
import dev.tftrt.plan.FusionPreview;
import java.util.List;
import java.util.Optional;
import tech.tablesaw.api.Table;

/**
 * The fusions of one conversion: what TensorRT fused in the engines built, compared with the planning preview;
 * or only the preview, labelled as such, while no engine is built.
 *
 * @param summary the conversion's report (its expected fusions are the preview)
 * @param built what TensorRT fused, or null when nothing was built
 */
public record FusionReport(ConversionSummary summary, EngineFusions built) {

  public boolean isBuilt() {
    return built != null;
  }

  public FusionPreview preview() {
    return new FusionPreview(summary.verticalFusions(), summary.horizontalFusions(), List.of());
  }

  /** The preview's expected fusions against the engines; empty when nothing was built. */
  public Optional<FusionComparison> comparison() {
    return built == null ? Optional.empty() : Optional.of(built.compareWith(preview()));
  }

  /** The engine layers when built, else the preview's expected fusions. */
  public Table table() {
    return built != null ? built.table() : summary.fusionsTable().setName(PREVIEW_TITLE);
  }

  static final String PREVIEW_TITLE = "Expected fusions (preview: no engine built yet)";

  @Override
  public String toString() {
    if (built != null) {
      return built + "\n" + built.compareWith(preview());
    }
    StringBuilder b = new StringBuilder(PREVIEW_TITLE).append(": ").append(summary.verticalFusions().size())
        .append(" vertical, ").append(summary.horizontalFusions().size()).append(" horizontal; build the engines "
            + "where TensorRT is to see what it fused\n");
    summary.verticalFusions().forEach(f -> b.append("  vertical    ").append(f.segment()).append("  ")
        .append(f.kind()).append(": ").append(String.join(", ", f.nodes())).append('\n'));
    summary.horizontalFusions().forEach(f -> b.append("  horizontal  ").append(f.segment()).append("  ")
        .append(f.kind()).append(": ").append(String.join(", ", f.nodes())).append('\n'));
    return b.toString();
  }
}
