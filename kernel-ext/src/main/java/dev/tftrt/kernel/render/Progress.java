package dev.tftrt.kernel.render;

import java.util.Locale;

/**
 * The state of long work (engine builds, calibration, benchmarks) at one moment: what, how far, and the latest
 * message. Rendered as an HTML progress bar (text for plain frontends); {@link ProgressDisplay} keeps one on
 * screen and updates it in place.
 */
public record Progress(String title, long done, long total, String message) {
  /** Total unknown: shown as a count, not a bar. */
  public static final long UNKNOWN_TOTAL = -1;

  public boolean finished() {
    return total >= 0 && done >= total;
  }

  public String text() {
    // Work of unknown length that counts no steps (an engine build) shows only its messages.
    String count = total >= 0 ? done + "/" + total : done > 0 ? String.valueOf(done) : "";
    String percent = total > 0 ? String.format(Locale.ROOT, " (%.0f%%)", 100.0 * done / total) : "";
    String text = message == null || message.isBlank() ? "" : (count.isEmpty() ? "" : " - ") + message;
    return title + ": " + count + percent + text;
  }

  public String html() {
    StringBuilder out = new StringBuilder("<div class=\"tftrt-progress\"><b>").append(HtmlText.escape(title))
        .append("</b> ");
    if (total > 0) {
      out.append("<progress value=\"").append(Math.min(done, total)).append("\" max=\"").append(total)
          .append("\"></progress> ").append(done).append('/').append(total);
    } else if (done > 0) {
      out.append(done);
    }
    if (message != null && !message.isBlank()) {
      out.append(" <span>").append(HtmlText.escape(message)).append("</span>");
    }
    return out.append("</div>").toString();
  }
}
