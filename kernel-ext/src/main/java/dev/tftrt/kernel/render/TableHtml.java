package dev.tftrt.kernel.render;

import tech.tablesaw.table.Relation;

/**
 * A Tablesaw table as an HTML table: caption from the table's name, header row, and at most
 * {@code maxRows} rows (the first and last halves, with a marker row between when rows are left out).
 */
public final class TableHtml {
  public static final int DEFAULT_MAX_ROWS = 60;

  private TableHtml() {}

  public static String html(Relation table, int maxRows) {
    StringBuilder out = new StringBuilder("<table class=\"tftrt-table\">\n");
    if (table.name() != null && !table.name().isBlank()) {
      out.append("<caption>").append(HtmlText.escape(table.name())).append("</caption>\n");
    }
    out.append("<thead><tr>");
    for (String column : table.columnNames()) {
      out.append("<th>").append(HtmlText.escape(column)).append("</th>");
    }
    out.append("</tr></thead>\n<tbody>\n");
    int rows = table.rowCount();
    int head = rows <= maxRows ? rows : (maxRows + 1) / 2;
    int tailStart = rows <= maxRows ? rows : rows - maxRows / 2;
    for (int row = 0; row < head; row++) {
      appendRow(out, table, row);
    }
    if (tailStart > head) {
      out.append("<tr><td colspan=\"").append(table.columnCount()).append("\">&#8230; ")
          .append(tailStart - head).append(" more rows &#8230;</td></tr>\n");
    }
    for (int row = Math.max(tailStart, head); row < rows; row++) {
      appendRow(out, table, row);
    }
    out.append("</tbody>\n</table>");
    return out.toString();
  }

  private static void appendRow(StringBuilder out, Relation table, int row) {
    out.append("<tr>");
    for (int column = 0; column < table.columnCount(); column++) {
      out.append("<td>").append(HtmlText.escape(table.getString(row, column))).append("</td>");
    }
    out.append("</tr>\n");
  }
}
