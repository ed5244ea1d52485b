"""What the protocol scripts share: the installed tftrt-java kernel started with Jupyter's own client, and running
code in it. Copied beside each script by dev.tftrt.kernel.InstalledKernel.observe.
"""
import contextlib
import json
import time

import jupyter_client

KERNEL = "tftrt-java"


@contextlib.contextmanager
def started_kernel(out_path):
    """Yields (manager, client, observed) for a started, ready kernel. On the way out, whatever happened, the
    kernel is shut down, observed["exited"] says whether it is gone, and `observed` is written to out_path as JSON
    for the Java test to assert on."""
    observed = {}
    km = jupyter_client.KernelManager(kernel_name=KERNEL)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=90)
        yield km, kc, observed
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)
        observed["exited"] = not km.is_alive()
        with open(out_path, "w") as out:
            json.dump(observed, out, indent=1)


def execute(kc, code, timeout=60):
    """Runs code; returns (reply content, [(msg_type, content)] of iopub output)."""
    outputs = []
    reply = kc.execute_interactive(code, timeout=timeout,
                                   output_hook=lambda m: outputs.append((m["msg_type"], m["content"])))
    shown = [(t, c) for t, c in outputs if t not in ("status", "execute_input")]
    return reply["content"], shown


def result_text(shown):
    """The text/plain of the cell's result, or None."""
    for msg_type, content in shown:
        if msg_type == "execute_result":
            return content["data"].get("text/plain")
    return None


def reply_to(kc, msg_id, timeout):
    """The shell reply to msg_id, passing over replies to earlier requests."""
    while True:
        msg = kc.get_shell_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg["content"]


def wait_for_progress(kc, msg_id, wanted, timeout):
    """The text of the cell's first progress display that contains `wanted`, or None if the cell ended first."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        msg = kc.get_iopub_msg(timeout=max(1, deadline - time.time()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] in ("display_data", "update_display_data"):
            text = msg["content"].get("data", {}).get("text/plain", "")
            if wanted in text:
                return text
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return None
    return None


def interrupted(km, kc, msg_id):
    """Interrupts the kernel while msg_id runs; how that cell ended and how long it took to end."""
    started = time.time()
    km.interrupt_kernel()
    content = reply_to(kc, msg_id, timeout=60)
    return {"status": content["status"], "ename": content.get("ename"), "evalue": content.get("evalue"),
            "traceback": content.get("traceback"), "seconds": time.time() - started}
