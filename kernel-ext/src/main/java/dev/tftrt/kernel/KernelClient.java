package dev.tftrt.kernel;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.tftrt.TftrtException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * A small Jupyter client speaking the messaging protocol (5.3) over ZeroMQ, as nbclient does: it starts a kernel
 * with a fresh connection file, sends {@code execute_request}s on the shell channel and collects what the kernel
 * publishes on IOPub for each. For machines without Python's Jupyter (a bare GPU host); where Debian's Jupyter is
 * installed, {@link NotebookRunner} uses nbconvert itself.
 */
final class KernelClient implements AutoCloseable {
  private static final String DELIMITER = "<IDS|MSG>";
  private static final Gson GSON = new Gson();
  private static final long POLL_MILLIS = 200;

  /** One message: its type, header, parent header and content. */
  record Message(String type, JsonObject header, JsonObject parent, JsonObject content) {
    String parentId() {
      return parent.has("msg_id") ? parent.get("msg_id").getAsString() : "";
    }
  }

  private final Process kernel;
  private final Path log;
  private final ZContext context = new ZContext();
  private final ZMQ.Socket shell;
  private final ZMQ.Socket control;
  private final ZMQ.Socket iopub;
  private final byte[] key;
  private final String session = UUID.randomUUID().toString();
  private boolean nativeFramesTaken;
  /** Ends the kernel when this JVM is stopped from outside (a run's time limit) before {@link #close()}. */
  private final Thread endKernel = new Thread(this::destroyKernel, "tftrt-end-kernel");

  private KernelClient(Process kernel, Path log, Map<String, Integer> ports, byte[] key) {
    this.kernel = kernel;
    this.log = log;
    this.key = key;
    this.shell = connect(SocketType.DEALER, ports.get("shell_port"));
    this.control = connect(SocketType.DEALER, ports.get("control_port"));
    this.iopub = connect(SocketType.SUB, ports.get("iopub_port"));
    iopub.subscribe(new byte[0]);
    Runtime.getRuntime().addShutdownHook(endKernel);
  }

  private void destroyKernel() {
    kernel.descendants().forEach(ProcessHandle::destroyForcibly);
    kernel.destroyForcibly();
  }

  private ZMQ.Socket connect(SocketType type, int port) {
    ZMQ.Socket socket = context.createSocket(type);
    socket.setLinger(0);
    socket.connect("tcp://127.0.0.1:" + port);
    return socket;
  }

  /**
   * Starts the kernel {@code argv} (with {@code {connection_file}} in it) in {@code workingDirectory} and waits
   * until it answers; its output goes to a log in {@code scratch}.
   */
  static KernelClient start(List<String> argv, Map<String, String> env, Path workingDirectory, Path scratch,
      long startSeconds) throws IOException {
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (String name : List.of("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")) {
      ports.put(name, freePort());
    }
    byte[] key = UUID.randomUUID().toString().getBytes(StandardCharsets.US_ASCII);
    Map<String, Object> connection = new LinkedHashMap<>(ports);
    connection.put("ip", "127.0.0.1");
    connection.put("transport", "tcp");
    connection.put("signature_scheme", "hmac-sha256");
    connection.put("key", new String(key, StandardCharsets.US_ASCII));
    Path connectionFile = scratch.resolve("kernel-" + UUID.randomUUID() + ".json");
    Files.writeString(connectionFile, GSON.toJson(connection));
    List<String> command = argv.stream().map(a -> a.replace("{connection_file}", connectionFile.toString())).toList();
    Path log = scratch.resolve("kernel-" + UUID.randomUUID() + ".log");
    ProcessBuilder builder = new ProcessBuilder(command).directory(workingDirectory.toFile())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(env);
    KernelClient client = new KernelClient(builder.start(), log, ports, key);
    try {
      client.waitUntilReady(startSeconds);
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
    return client;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** Asks for kernel_info until the answer and the kernel's IOPub status both arrive (IOPub joins late). */
  private void waitUntilReady(long seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    boolean replied = false;
    boolean published = false;
    while (!(replied && published)) {
      if (System.nanoTime() > deadline) {
        throw new TftrtException("the kernel did not answer within " + seconds + " s:\n" + logTail());
      }
      if (!kernel.isAlive()) {
        throw new TftrtException("the kernel exited with " + kernel.exitValue() + " while starting:\n" + logTail());
      }
      String id = send(shell, "kernel_info_request", new JsonObject());
      long askAgain = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
      while (System.nanoTime() < askAgain && !(replied && published)) {
        Message reply = receive(shell, 50);
        replied |= reply != null && reply.type().equals("kernel_info_reply");
        Message status = receive(iopub, 50);
        published |= status != null && status.parentId().equals(id);
      }
    }
    // Drain what the start-up left on IOPub so the first cell sees only its own messages.
    while (receive(iopub, 100) != null) {
      // nothing to keep
    }
  }

  /**
   * A cell that did not finish in time: the kernel's threads as they were then (before the interrupt), the end of
   * the kernel's log before them, and whether the kernel finished the cell within {@link #INTERRUPT_SECONDS} of
   * being interrupted (if not, it is stuck and later cells would only queue behind it).
   */
  static final class CellTimeout extends TftrtException {
    final long seconds;
    final String threads;
    final String linuxThreads;
    final String mixedStacks;
    final String logBefore;
    final boolean kernelCameBack;

    CellTimeout(long seconds, String threads, String linuxThreads, String mixedStacks, String logBefore,
        boolean kernelCameBack) {
      super("the cell did not finish within " + seconds + " s; the kernel's threads were dumped and it was"
          + " interrupted" + (kernelCameBack ? "" : ", but it did not finish the cell within "
              + INTERRUPT_SECONDS + " s of that either"));
      this.seconds = seconds;
      this.threads = threads;
      this.linuxThreads = linuxThreads;
      this.mixedStacks = mixedStacks;
      this.logBefore = logBefore;
      this.kernelCameBack = kernelCameBack;
    }
  }

  /** How long an interrupted cell may take to end (the kernel's own grace period is a few seconds). */
  static final long INTERRUPT_SECONDS = 20;
  /** The longest the native stacks of a timed-out kernel may take. */
  static final long MIXED_STACKS_SECONDS = 60;

  /**
   * Executes {@code code}; every IOPub message answering it goes to {@code published} in order, also those that
   * come after a timeout's interrupt. Returns the {@code execute_reply} content; on timeout dumps the kernel's
   * threads, interrupts it and throws {@link CellTimeout}.
   */
  JsonObject execute(String code, long timeoutSeconds, Consumer<Message> published) {
    JsonObject request = new JsonObject();
    request.addProperty("code", code);
    request.addProperty("silent", false);
    request.addProperty("store_history", true);
    request.add("user_expressions", new JsonObject());
    request.addProperty("allow_stdin", false);
    request.addProperty("stop_on_error", false);
    String id = send(shell, "execute_request", request);
    Answer answer = new Answer();
    if (awaitAnswer(id, timeoutSeconds, published, answer)) {
      return answer.reply;
    }
    String logBefore = logTail(60);
    String threads = KernelThreads.dump(kernel.pid(), log);
    String linuxThreads = KernelThreads.linuxThreads(kernel.pid());
    // Native frames take a debugger's attach (up to a minute): once per kernel is enough to see a native wait.
    String mixed = nativeFramesTaken ? "(taken at the first timeout only)"
        : KernelThreads.mixedStacks(kernel.pid(), MIXED_STACKS_SECONDS);
    nativeFramesTaken = true;
    send(control, "interrupt_request", new JsonObject());
    boolean cameBack = awaitAnswer(id, INTERRUPT_SECONDS, published, answer);
    throw new CellTimeout(timeoutSeconds, threads, linuxThreads, mixed, logBefore, cameBack);
  }

  /** What has come back for one request so far. */
  private static final class Answer {
    JsonObject reply;
    boolean idle;
  }

  /** Collects {@code answer} to request {@code id} for up to {@code seconds}; true when it is complete. */
  private boolean awaitAnswer(String id, long seconds, Consumer<Message> published, Answer answer) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (answer.reply == null || !answer.idle) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      if (!kernel.isAlive()) {
        throw new TftrtException("the kernel died (exit " + kernel.exitValue() + "):\n" + logTail());
      }
      Message m = receive(iopub, answer.reply == null ? 20 : POLL_MILLIS);
      if (m != null && m.parentId().equals(id)) {
        if (m.type().equals("status")) {
          answer.idle |= m.content().get("execution_state").getAsString().equals("idle");
        } else {
          published.accept(m);
        }
      }
      if (answer.reply == null) {
        Message r = receive(shell, 20);
        if (r != null && r.parentId().equals(id) && r.type().equals("execute_reply")) {
          answer.reply = r.content();
        }
      }
    }
    return true;
  }

  private String send(ZMQ.Socket socket, String type, JsonObject content) {
    JsonObject header = new JsonObject();
    String id = UUID.randomUUID().toString();
    header.addProperty("msg_id", id);
    header.addProperty("session", session);
    header.addProperty("username", "tftrt");
    header.addProperty("date", Instant.now().toString());
    header.addProperty("msg_type", type);
    header.addProperty("version", "5.3");
    List<byte[]> parts = List.of(bytes(header), bytes(new JsonObject()), bytes(new JsonObject()), bytes(content));
    socket.sendMore(DELIMITER);
    socket.sendMore(sign(parts));
    for (int i = 0; i < parts.size(); i++) {
      if (i < parts.size() - 1) {
        socket.sendMore(parts.get(i));
      } else {
        socket.send(parts.get(i));
      }
    }
    return id;
  }

  /** The next message on {@code socket}, or null after {@code millis}; bad signatures are refused. */
  private Message receive(ZMQ.Socket socket, long millis) {
    socket.setReceiveTimeOut((int) millis);
    byte[] first = socket.recv();
    if (first == null) {
      return null;
    }
    List<byte[]> frames = new ArrayList<>(List.of(first));
    while (socket.hasReceiveMore()) {
      frames.add(socket.recv());
    }
    int at = 0;
    while (at < frames.size() && !new String(frames.get(at), StandardCharsets.UTF_8).equals(DELIMITER)) {
      at++;
    }
    if (frames.size() < at + 6) {
      throw new TftrtException("the kernel sent a malformed message (" + frames.size() + " frames)");
    }
    List<byte[]> parts = frames.subList(at + 2, at + 6);
    if (!sign(parts).equals(new String(frames.get(at + 1), StandardCharsets.US_ASCII))) {
      throw new TftrtException("the kernel sent a message with a wrong signature");
    }
    JsonObject header = json(parts.get(0));
    return new Message(header.get("msg_type").getAsString(), header, json(parts.get(1)), json(parts.get(3)));
  }

  private String sign(List<byte[]> parts) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      parts.forEach(mac::update);
      return HexFormat.of().formatHex(mac.doFinal());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  private static byte[] bytes(JsonObject o) {
    return GSON.toJson(o).getBytes(StandardCharsets.UTF_8);
  }

  private static JsonObject json(byte[] b) {
    return JsonParser.parseString(new String(b, StandardCharsets.UTF_8)).getAsJsonObject();
  }

  String logTail() {
    return logTail(30);
  }

  /** The last {@code count} lines of the kernel's output. */
  String logTail(int count) {
    try {
      // Leniently decoded: native libraries may write any bytes.
      List<String> lines = new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().toList();
      return String.join("\n", lines.subList(Math.max(0, lines.size() - count), lines.size()));
    } catch (IOException e) {
      return "(no kernel log: " + e.getMessage() + ")";
    }
  }

  /** Asks the kernel to shut down, then ends it if it has not within a few seconds. */
  @Override
  public void close() {
    try {
      if (kernel.isAlive()) {
        JsonObject content = new JsonObject();
        content.addProperty("restart", false);
        send(control, "shutdown_request", content);
        if (!kernel.waitFor(10, TimeUnit.SECONDS)) {
          destroyKernel();
        }
      }
    } catch (InterruptedException e) {
      destroyKernel();
      Thread.currentThread().interrupt();
    } finally {
      context.close();
      try {
        Runtime.getRuntime().removeShutdownHook(endKernel);
      } catch (IllegalStateException e) {
        // Already shutting down: the hook runs (or ran) anyway.
      }
    }
  }
}
