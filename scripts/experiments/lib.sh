# Shared by the experiment scripts: builds the release binary (or takes the one in $GLEAN, e.g. a
# frozen copy that builds during a long run cannot change), prints the CPU, and defines `step`,
# which runs one glean command with the run's --runs-dir and --seed under /usr/bin/time.
# Expects $runs and $seed to be set by the caller.
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
if [ -n "${GLEAN:-}" ]; then
    glean=$GLEAN
else
    glean=./.build/release/glean
    swift build -c release --product glean >/dev/null
fi
lscpu | grep -E "Model name"
grep -q avx512f /proc/cpuinfo && echo "ISA: AVX-512 (oneDNN $(dpkg-query -W -f='${Version}' libdnnl-dev 2>/dev/null))" || echo "ISA: AVX2"
step() { echo; echo "== $(date -u +%H:%M:%S) $*"; /usr/bin/time -f "wall %e s, peak RSS %M KB" "$glean" "$@" --runs-dir "$runs" --seed "$seed"; }
# The newest run folder whose name ends in $1.
last() { ls -d "$runs"/*_"$1" | tail -1; }
