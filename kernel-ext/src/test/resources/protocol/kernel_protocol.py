"""Talks to the installed tftrt-java kernel with Jupyter's own client and records what it saw.

Run by dev.tftrt.kernel.KernelProtocolTest with /usr/bin/python3 (Debian's jupyter_client), JUPYTER_PATH
pointing at the test's kernelspec. Writes one JSON object of observations to argv[1]; the Java test asserts.
"""
import sys
import time

from kernel_session import execute, reply_to, result_text, started_kernel


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
    content = reply_to(kc, msg_id, timeout=30)
    return {"status": content["status"], "ename": content.get("ename"), "evalue": content.get("evalue"),
            "seconds": time.time() - started}


def main(out_path):
    with started_kernel(out_path) as (km, kc, observed):
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


if __name__ == "__main__":
    main(sys.argv[1])
