"""Interrupts a long %tftrt_bench in the installed tftrt-java kernel with Jupyter's own client; records what it saw.

Run by dev.tftrt.kernel.KernelBenchmarkInterruptTest with /usr/bin/python3 (Debian's jupyter_client), JUPYTER_PATH
pointing at the test's kernelspec. argv[1] is the SavedModel to benchmark; one JSON object of observations goes to
argv[2]; the Java test asserts.
"""
import sys

from kernel_session import execute, interrupted, result_text, started_kernel, wait_for_progress


def main(model, out_path):
    with started_kernel(out_path) as (km, kc, observed):
        # Two billion timed runs: the benchmark would go on for days unless the interrupt stops it.
        msg_id = kc.execute("%tftrt_bench " + model + " --precisions none --batch 1 --warmup 0 --repeats 1"
                            " --iterations 2000000000")
        # Interrupt once the timed runs are under way, not while the model is still loading.
        observed["progress_before_interrupt"] = wait_for_progress(kc, msg_id, "repeat 1/1", timeout=120)
        observed["interrupted"] = interrupted(km, kc, msg_id)

        reply, shown = execute(kc, "%tftrt_bench " + model + " --precisions none --batch 2 --warmup 0"
                               " --repeats 1 --iterations 3", timeout=120)
        observed["next_benchmark"] = {"status": reply["status"], "evalue": reply.get("evalue"),
                                      "result": result_text(shown)}
        reply, shown = execute(kc, "1 + 1", timeout=120)
        observed["next_cell"] = result_text(shown)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
