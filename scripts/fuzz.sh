#!/usr/bin/env bash
# Coverage-guided fuzzing of every reader of user-supplied bytes (Sources/GleanFuzz): builds
# glean-fuzz with libFuzzer (swiftc -sanitize=fuzzer) in .build/fuzz, then runs each target from
# its committed seed corpus (Fuzz/corpus/<target>) for RUNS executions or SECONDS seconds,
# whichever comes first, and prints executions, crashes, timeouts and out-of-memory per target.
# Inputs that crash land in Fuzz/crashes/<target>/ (commit them, renamed regression-<what>, once fixed:
# the tests replay them).
# Usage: bash scripts/fuzz.sh [RUNS] [SECONDS] [TARGET...]   (defaults: 1000000 1800, all targets)
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1000000}
seconds=${2:-1800}
shift 2 2>/dev/null || shift $#
swift build -c release --product glean-fuzz --scratch-path .build/fuzz -Xswiftc -sanitize=fuzzer -Xswiftc -DLIBFUZZER >/dev/null || exit 1
binary=.build/fuzz/release/glean-fuzz
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(idx idx-split png jpeg cifar stl10 csv safetensors resume yaml metadata)
lscpu | grep -E "Model name"
printf "%-12s %12s %8s %8s %8s %10s\n" target executions crashes timeouts oom seconds
for target in "${targets[@]}"; do
    work=.build/fuzz/corpus/$target
    crashes=Fuzz/crashes/$target
    mkdir -p "$work" "$crashes"
    log=.build/fuzz/$target.log
    start=$(date +%s)
    touch "$log.start"
    # -rss_limit_mb: a reader that allocates from a header claim exceeds it; -timeout: a hang.
    # SWIFT_BACKTRACE off: libFuzzer's own handler must see the trap to save the input.
    SWIFT_BACKTRACE=enable=no GLEAN_FUZZ_TARGET=$target "$binary" "$work" "Fuzz/corpus/$target" -runs="$runs" -max_total_time="$seconds" \
        -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10 -max_len=65536 -artifact_prefix="$crashes/" \
        -print_final_stats=1 >"$log" 2>&1
    executions=$(grep -o "stat::number_of_executed_units: *[0-9]*" "$log" | grep -o "[0-9]*$" || echo 0)
    # Only inputs saved by this run count (committed regression inputs are named regression-*).
    found() { find "$crashes" -maxdepth 1 -name "$1-*" -newer "$log.start" | wc -l; }
    crash=$(found crash); timeout=$(found timeout); oom=$(found oom)
    printf "%-12s %12s %8s %8s %8s %10s\n" "$target" "${executions:-0}" "$crash" "$timeout" "$oom" "$(( $(date +%s) - start ))"
done
