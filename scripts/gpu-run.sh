#!/usr/bin/env bash
# Runs the GPU tests and benchmarks on the lent GPU host (docs/gpu-results.md). Stage from a built worktree with
#   ../shared/gpu-kit/stage --cp "tftrt-lib/target/classes:tftrt-lib/target/test-classes:kernel-ext/target/classes:JARS" \
#     --add DIR/fashion-model --add scripts/gpu-run.sh
# (JARS: both modules' dependency class paths, `-Pgpu`; fashion-model: `tftrt zoo fashion-mnist DIR/fashion-model`),
# and `notebooks/stage-gpu-extras .gpu/extras` (Graphviz's dot, fonts for charts and Fashion-MNIST, 37 MB: too big for .gpu/app,
# so it is a carry of its own). On the GPU host, after the plan's steps, in the call that carries .gpu/extras:
#   cp -r .gpu/extras /tmp/gpu-kit/app/gpu-extras; bash /tmp/gpu-kit/app/gpu-run.sh STEP...
# A call returns only a few files from $OUT: the notebooks and images steps pack theirs into one archive each.
#   tests=Class1;Class2#method(types)   JUnit console on those classes and methods (tag gpu)      -> $OUT/tests.log
#   bench=PART            dev.tftrt.bench.GpuBenchmarks PART             -> $OUT/bench.log, $OUT/bench-files.tar.gz
#   notebooks[=NB,...]    the notebooks (all, or those named) executed by the built-in Jupyter client; notebook 05
#                         alone takes minutes on a GPU (five engine builds)        -> $OUT/notebooks.tar.gz
#                         NOTEBOOK_TIMEOUT=SECONDS: the longest one cell may run (default 600); a cell past it
#                         leaves NAME.kernel-threads.txt (the kernel's thread stacks) in the archive, and the
#                         threads running project code in $OUT/notebooks.log. NOTEBOOKS_LIMIT=SECONDS (default
#                         540) stops the runner (and its kernel) so that the archive is still written within a
#                         call's 600 s
#   images                the course figures from real TensorRT engines (SVG; PNG is drawn back home) -> $OUT/images.tar.gz
set -uo pipefail
source /tmp/gpu-kit/env.sh
export TF_CPP_MIN_LOG_LEVEL=1
A=/tmp/gpu-kit/app
W=/tmp/h6-work; mkdir -p "$W/bench"
source "$A/gpu-extras/env.sh"
JUNIT=$(ls "$A"/cp/*junit-platform-console-standalone*.jar)
nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used,clocks.max.sm --format=csv | tee -a "$OUT/nvidia-smi.txt"
for step in "$@"; do
  echo "=== $step ($(date -u +%H:%M:%S))" | tee -a "$OUT/steps.log"
  case "$step" in
    tests=*) sel=""
      for c in $(echo "${step#tests=}" | tr ';' ' '); do
        case "$c" in *'#'*) sel="$sel --select-method $c";; *) sel="$sel --select-class $c";; esac; done
      # From the module's directory, as surefire runs them (tests read src/test/resources by relative path).
      cd tftrt-lib && java -Xmx16g -XX:+AlwaysPreTouch -Djava.awt.headless=true -jar "$JUNIT" execute --class-path "$KIT_CP" $sel --include-tag gpu \
        --details=tree --disable-banner 2>&1 | grep -v '^I0000\|^WARNING: All log\|Versions of org.bytedeco' | tee -a "$OUT/tests.log"; cd .. ;;
    bench=*)
      java -Xmx48g -Djava.awt.headless=true -Dbench.fashionModel="$A/fashion-model" ${BENCH_OPTS:-} -cp "$KIT_CP" \
        dev.tftrt.bench.GpuBenchmarks "$W/bench" "${step#bench=}" 2>&1 | tee -a "$OUT/bench.log" ;;
    notebooks|notebooks=*)
      names=(); for nb in $(echo "${step#notebooks}" | tr -d '=' | tr ',' ' '); do names+=(notebooks/"$nb"*.ipynb); done
      timeout "${NOTEBOOKS_LIMIT:-540}" java -Xmx16g -Djava.awt.headless=true -cp "$KIT_CP" dev.tftrt.kernel.NotebookRunner --engine java \
        ${NOTEBOOK_TIMEOUT:+--timeout "$NOTEBOOK_TIMEOUT"} --out "$W/notebooks" "${names[@]}" 2>&1 | grep --line-buffered -v '^I0000\|Versions of org.bytedeco' | tee -a "$OUT/notebooks.log"
      # *.kernel-threads.txt (cells that timed out) lie beside the executed notebooks, so they are in it too.
      tar czf "$OUT/notebooks.tar.gz" -C "$W" notebooks; ls "$W"/notebooks/*.kernel-threads.txt 2>/dev/null ;;
    images)
      java -Djava.awt.headless=true -cp "$KIT_CP" dev.tftrt.cli.Main images --out "$W/images" --formats dot,svg \
        2>&1 | tee -a "$OUT/images.log"
      tar czf "$OUT/images.tar.gz" -C "$W" images ;;
  esac
  echo "=== $step done ($(date -u +%H:%M:%S))" | tee -a "$OUT/steps.log"
done
(cd "$W/bench" && tar czf "$OUT/bench-files.tar.gz" --exclude=./work .) 2>/dev/null
nvidia-smi --query-gpu=memory.used --format=csv | tee -a "$OUT/nvidia-smi.txt"
