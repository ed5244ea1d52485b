package dev.tftrt.kernel.magic;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns magics in a cell into Java calls on {@code dev.tftrt.kernel.Notebook}, so they run like any other
 * snippet (interruptible, their output in the cell) and their results are live values:
 * <ul>
 *   <li>a line {@code %name args} becomes {@code ((Type) Notebook.lineMagic("name", List.of(args)));} whose value
 *   the cell shows, {@code Type} being the magic method's return type;</li>
 *   <li>{@code var x = %name args} assigns that value, so later cells can use {@code x};</li>
 *   <li>a cell starting with {@code %%name args} becomes one call with the rest of the cell as the body.</li>
 * </ul>
 * Arguments split on blanks; single or double quotes keep blanks in one argument.
 */
public final class MagicTranspiler {
  private static final String NOTEBOOK = "dev.tftrt.kernel.Notebook";
  private static final Pattern LINE_MAGIC = Pattern.compile("^(\\s*)%(\\w+)(.*)$");
  private static final Pattern ASSIGNED_MAGIC =
      Pattern.compile("^(\\s*(?:final\\s+)?[\\w.$<>\\[\\],? ]+?\\s+\\w+\\s*=\\s*)%(\\w+)(.*?);?\\s*$");
  private static final Pattern CELL_MAGIC = Pattern.compile("^\\s*%%(\\w+)([^\\n]*)(?:\\n([\\s\\S]*))?$");

  private final MagicRegistry registry;

  public MagicTranspiler(MagicRegistry registry) {
    this.registry = registry;
  }

  /** The cell with its magics replaced by Java; a cell without magics comes back unchanged. */
  public String transpile(String cell) {
    Matcher cellMagic = CELL_MAGIC.matcher(cell);
    if (cellMagic.matches()) {
      String name = cellMagic.group(1);
      String body = cellMagic.group(3) == null ? "" : cellMagic.group(3);
      Class<?> type = registry.cellMagicType(name).orElse(Object.class);
      String call = NOTEBOOK + (type == void.class ? ".runCellMagic(" : ".cellMagic(") + literal(name) + ", "
          + argsList(cellMagic.group(2)) + ", " + literal(body) + ")";
      return typed(call, type) + ";";
    }
    String[] lines = cell.split("\n", -1);
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < lines.length; i++) {
      if (i > 0) {
        out.append('\n');
      }
      out.append(transpileLine(lines[i]));
    }
    return out.toString();
  }

  private String transpileLine(String line) {
    Matcher magic = LINE_MAGIC.matcher(line);
    if (magic.matches() && !line.stripLeading().startsWith("%%")) {
      String name = magic.group(2);
      return magic.group(1) + lineCall(name, magic.group(3)) + ";";
    }
    Matcher assigned = ASSIGNED_MAGIC.matcher(line);
    if (assigned.matches() && registry.lineMagicNames().contains(assigned.group(2))) {
      String name = assigned.group(2);
      return assigned.group(1) + lineCall(name, assigned.group(3)) + ";";
    }
    return line;
  }

  private String lineCall(String name, String args) {
    Class<?> type = registry.lineMagicType(name).orElse(Object.class);
    String call = NOTEBOOK + (type == void.class ? ".runLineMagic(" : ".lineMagic(") + literal(name) + ", "
        + argsList(args) + ")";
    return typed(call, type);
  }

  private static String typed(String call, Class<?> type) {
    if (type == void.class || type == Object.class || type.isPrimitive() || !MagicRegistry.isNameable(type)) {
      return call;
    }
    return "((" + type.getCanonicalName() + ") " + call + ")";
  }

  private static String argsList(String args) {
    List<String> literals = new ArrayList<>();
    for (String arg : splitArgs(args)) {
      literals.add(literal(arg));
    }
    return "java.util.List.of(" + String.join(", ", literals) + ")";
  }

  /** Splits magic arguments on blanks, keeping quoted parts (single or double quotes) together. */
  public static List<String> splitArgs(String args) {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    boolean inArg = false;
    char quote = 0;
    for (int i = 0; i < args.length(); i++) {
      char c = args.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else if (c == '\\' && quote == '"' && i + 1 < args.length()) {
          current.append(args.charAt(++i));
        } else {
          current.append(c);
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
        inArg = true;
      } else if (Character.isWhitespace(c)) {
        if (inArg) {
          out.add(current.toString());
          current.setLength(0);
          inArg = false;
        }
      } else {
        current.append(c);
        inArg = true;
      }
    }
    if (quote != 0) {
      throw new MagicUsageException("unclosed quote (" + quote + ") in magic arguments: " + args.strip());
    }
    if (inArg) {
      out.add(current.toString());
    }
    return out;
  }

  /** A Java string literal for {@code text}. */
  static String literal(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      switch (c) {
        case '"': out.append("\\\""); break;
        case '\\': out.append("\\\\"); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        default:
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
      }
    }
    return out.append('"').toString();
  }
}
