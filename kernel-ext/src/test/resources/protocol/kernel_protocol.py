"""Talks to the installed tftrt-java kernel with Jupyter's own client and records what it saw.

Run by dev.tftrt.kernel.KernelProtocolTest with /usr/bin/python3 (Debian's jupyter_client), JUPYTER_PATH
pointing at the test's kernelspec. Writes one JSON object of observations to argv[1]; the Java test asserts.
"""
import json
import queue
import sys
import time

import jupyter_client

KERNEL = "tftrt-java"
observed = {}


def execute(kc, code, timeout=60):
    """Runs code; returns (reply content, [(msg_type, content)] of iopub output)."""
    outputs = []
    reply = kc.execute_interactive(code, timeout=timeout,
                                   output_hook=lambda m: outputs.append((m["msg_type"], m["content"])))
    shown = [(t, c) for t, c in outputs if t not in ("status", "execute_input")]
    return reply["content"], shown


def result_text(shown):
    for msg_type, content in shown:
        if msg_type == "execute_result":
            return content["data"].get("text/plain")
    return None


def error_of(reply, shown):
    errors = [c for t, c in shown if t == "error"]
    error = errors[0] if errors else {}
    return {"status": reply["status"], "ename": reply.get("ename"), "evalue": reply.get("evalue"),
            "traceback": "\n".join(error.get("traceback", []))}


def interrupt_case(km, kc, code):
    msg_id = kc.execute(code)
    time.sleep(1.5)
    started = time.time()
    km.interrupt_kernel()
    while True:
        msg = kc.get_shell_msg(timeout=30)
        if msg["parent_header"].get("msg_id") == msg_id:
            break
    elapsed = time.time() - started
    return {"status": msg["content"]["status"], "ename": msg["content"].get("ename"),
            "evalue": msg["content"].get("evalue"), "seconds": elapsed}


def main(out_path):
    km = jupyter_client.KernelManager(kernel_name=KERNEL)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=90)
        kc.kernel_info()
        info = kc.get_shell_msg(timeout=30)["content"]
        observed["language"] = info["language_info"]["name"]

        reply, shown = execute(kc, "1 + 1")
        observed["one_plus_one"] = result_text(shown)

        reply, shown = execute(kc, 'var greeting = "hi";\ngreeting.length()')
        observed["state_value"] = result_text(shown)

        reply, shown = execute(kc, 'System.out.println("printed");')
        observed["stdout"] = "".join(c["text"] for t, c in shown if t == "stream" and c["name"] == "stdout")

        reply, shown = execute(kc, 'int fine = 1;\nint broken = "text";')
        observed["compile_error"] = error_of(reply, shown)

        reply, shown = execute(kc, 'int before = 1;\nif (before == 1) throw new IllegalStateException("boom");')
        observed["runtime_error"] = error_of(reply, shown)

        reply, shown = execute(kc, "long[] hog = new long[Integer.MAX_VALUE - 16];")
        observed["out_of_heap"] = error_of(reply, shown)
        reply, shown = execute(kc, "before + 1")
        observed["after_out_of_heap"] = result_text(shown)

        reply, shown = execute(kc, "%jars /no/such/dir/*.jar")
        observed["magic_usage_error"] = error_of(reply, shown)

        reply, shown = execute(kc, 'var shown = display("first");\nshown.update("second");')
        observed["display"] = [{"type": t, "text": c.get("data", {}).get("text/plain"),
                                "display_id": c.get("transient", {}).get("display_id")} for t, c in shown]

        code = "greeting.toUpp"
        kc.complete(code, len(code))
        observed["complete"] = kc.get_shell_msg(timeout=30)["content"]

        kc.is_complete("for (int i = 0; i < 3; i++) {")
        observed["is_complete_open"] = kc.get_shell_msg(timeout=30)["content"]["status"]
        kc.is_complete("int done = 1;")
        observed["is_complete_done"] = kc.get_shell_msg(timeout=30)["content"]["status"]

        kc.inspect("greeting", 3)
        inspect = kc.get_shell_msg(timeout=30)["content"]
        observed["inspect"] = {"found": inspect.get("found"), "text": inspect.get("data", {}).get("text/plain")}

        observed["interrupt_sleep"] = interrupt_case(km, kc, "Thread.sleep(120_000);")
        reply, shown = execute(kc, "greeting")
        observed["after_interrupt_sleep"] = result_text(shown)

        observed["interrupt_busy_loop"] = interrupt_case(km, kc, "long spins = 0;\nwhile (true) { spins++; }")
        reply, shown = execute(kc, "greeting + \"!\"")
        observed["after_interrupt_busy_loop"] = result_text(shown)

        km.restart_kernel(now=False)
        kc.wait_for_ready(timeout=90)
        reply, shown = execute(kc, "greeting")
        observed["after_restart_old_variable"] = error_of(reply, shown)
        reply, shown = execute(kc, "2 + 3")
        observed["after_restart"] = result_text(shown)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)
        observed["exited"] = not km.is_alive()
        with open(out_path, "w") as out:
            json.dump(observed, out, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
