#!/usr/bin/env bash
# Runs the GPU tests and benchmarks on the lent GPU host (docs/gpu-results.md). Stage from a built worktree with
#   ../shared/gpu-kit/stage --cp "tftrt-lib/target/classes:tftrt-lib/target/test-classes:$(cat cp.txt)" \
#     --add DIR/gpu-extras --add DIR/fashion-model --add scripts/gpu-run.sh
# (gpu-extras: `notebooks/stage-gpu-extras DIR/gpu-extras`, Graphviz's dot and Fashion-MNIST; fashion-model:
# `tftrt zoo fashion-mnist DIR/fashion-model`; kernel-ext's classes on the class path for notebooks), then on
# the GPU host, after `bash .gpu/app/recv.sh app`, from the repository root: bash /tmp/gpu-kit/app/gpu-run.sh STEP...
#   tests=Class1;Class2#method(types)   JUnit console on those classes and methods (tag gpu)      -> $OUT/tests.log
#   bench=PART            dev.tftrt.bench.GpuBenchmarks PART             -> $OUT/bench.log, $OUT/bench-files.tar.gz
#   notebooks             every notebook executed by the built-in Jupyter client -> $OUT/notebooks
#   images                the course figures from real TensorRT engines (SVG; PNG is drawn back home) -> $OUT/images
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
      cd tftrt-lib && java -Xmx16g -Djava.awt.headless=true -jar "$JUNIT" execute --class-path "$KIT_CP" $sel --include-tag gpu \
        --details=tree --disable-banner 2>&1 | grep -v '^I0000\|^WARNING: All log\|Versions of org.bytedeco' | tee -a "$OUT/tests.log"; cd .. ;;
    bench=*)
      java -Xmx48g -Djava.awt.headless=true -Dbench.fashionModel="$A/fashion-model" ${BENCH_OPTS:-} -cp "$KIT_CP" \
        dev.tftrt.bench.GpuBenchmarks "$W/bench" "${step#bench=}" 2>&1 | tee -a "$OUT/bench.log" ;;
    notebooks)
      java -Xmx16g -Djava.awt.headless=true -cp "$KIT_CP" dev.tftrt.kernel.NotebookRunner --engine java \
        --out "$OUT/notebooks" 2>&1 | grep -v '^I0000\|Versions of org.bytedeco' | tee -a "$OUT/notebooks.log" ;;
    images)
      java -Djava.awt.headless=true -cp "$KIT_CP" dev.tftrt.cli.Main images --out "$OUT/images" --formats dot,svg \
        2>&1 | tee -a "$OUT/images.log" ;;
  esac
  echo "=== $step done ($(date -u +%H:%M:%S))" | tee -a "$OUT/steps.log"
done
(cd "$W/bench" && tar czf "$OUT/bench-files.tar.gz" --exclude=./work .) 2>/dev/null
nvidia-smi --query-gpu=memory.used --format=csv | tee -a "$OUT/nvidia-smi.txt"
