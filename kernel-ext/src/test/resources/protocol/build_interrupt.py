"""Interrupts a cell building engines in the installed tftrt-java kernel with Jupyter's own client; records what it saw.

Run by dev.tftrt.kernel.KernelBuildInterruptTest with /usr/bin/python3 (Debian's jupyter_client), JUPYTER_PATH
pointing at the test's kernelspec. argv[1] is the SavedModel to convert; one JSON object of observations goes to
argv[2]; the Java test asserts. The engines are built by the recording backend (no GPU), whose builds report
TensorRT's phases, take 30 s per layer and, like TensorRT's, ignore interrupts: only a cancel stops them.
"""
import sys

from kernel_session import execute, interrupted, result_text, started_kernel, wait_for_progress


def converter(model):
    return ("new TrtGraphConverterV2(Path.of(\"" + model + "\"), TrtConversionParams.defaults())"
            ".withBackend(new RecordingTensorRtBackend(RecordingNetworkBuilder::new)")


def main(model, out_path):
    with started_kernel(out_path) as (km, kc, observed):
        msg_id = kc.execute("var converter = " + converter(model) + ".withBuildTime(Duration.ofSeconds(30)))"
                            ".withProgress(progress(\"Building engines\"));\nconverter.build(null)")
        # Interrupt once TensorRT's (here: the recording backend's) tactic selection is under way.
        observed["progress_before_interrupt"] = wait_for_progress(kc, msg_id, "tactic selection", timeout=120)
        observed["interrupted"] = interrupted(km, kc, msg_id)

        reply, shown = execute(kc, converter(model) + ").build(null).fallbacks()", timeout=120)
        observed["next_build"] = {"status": reply["status"], "evalue": reply.get("evalue"),
                                  "result": result_text(shown)}
        reply, shown = execute(kc, "1 + 1", timeout=120)
        observed["next_cell"] = result_text(shown)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
