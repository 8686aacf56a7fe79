#!/usr/bin/env bash
# Data-parallel scaling of ResNet-18 training (global batch 256, one thread per process), in
# interleaved rounds: one process; two independent processes at once, one per core (what this
# machine gives two processes that never talk, for the efficiency of the ranks below); 2 ranks
# over shared memory; 2 and 4 ranks (4: two per host,
# oversubscribed) over two network-namespace hosts (the kernel places their processes: each host's
# launcher would bind its first rank to the same core) whose veth link tc shapes to RATE and DELAY,
# each with the gradient in buckets that overlap the backward pass and in one bucket after it
# (GLEAN_BUCKET_MB=10000). Prints each run's images/s and allreduce_s (seconds per step spent
# on the gradient average after the backward pass). Needs root (ip netns, tc).
#   bash scripts/experiments/data_parallel_scaling.sh [ROUNDS] [STEPS] [RATE] [DELAY]   (2 30 10gbit 50us)
# TWO_ONLY=1 leaves out the 4-rank runs; BUCKETS="4" the one-bucket runs.
set -euo pipefail
runs=${RUNS:-runs/scaling}
seed=0
source "$(dirname "$0")/lib.sh"
# The other host's daemon starts elsewhere: absolute paths.
glean=$(realpath "$glean")
runs=$(realpath -m "$runs")
rounds=${1:-2}
steps=${2:-30}
rate=${3:-10gbit}
delay=${4:-50us}
hosts=scripts/netns_hosts.sh
bash $hosts up "$rate" "$delay"
trap 'bash $hosts down' EXIT
args=(train --model resnet18 --batch-size 256 --epochs 1 --steps-per-epoch "$steps" --labels-per-class 600
      --validation-per-class 0 --optimizer sgd --learning-rate 0.01 --augment none --seed "$seed")
export OMP_NUM_THREADS=1
mpi=(mpirun --allow-run-as-root -x OMP_NUM_THREADS -x GLEAN_BUCKET_MB)
link=(--mca plm_rsh_agent "bash $hosts agent" --mca btl tcp,self --mca btl_tcp_if_include 10.231.0.0/24
      --mca oob_tcp_if_include 10.231.0.0/24)
# One line per run: name, the epoch's images/s, the steady images/s from the progress lines after
# the first (without the first step's set-up), allreduce_s (from the run's metrics.csv).
report() {
    local folder
    folder=$(ls -d "$runs"/*_"$1" | tail -1)
    steady=$(awk '/ epoch 1\/1  step [0-9]+\// { split($6, s, "/"); cmd = "date -d \"" $1 " " $2 "\" +%s"; cmd | getline t; close(cmd)
                 if (n++ == 1) { t0 = t; s0 = s[1] } t1 = t; s1 = s[1] }
               END { if (t1 > t0) printf "%.1f", (s1 - s0) * 256 / (t1 - t0); else printf "-" }' "$folder/train.log")
    awk -F, -v name="$1" -v steady="$steady" 'NR == 1 { for (i = 1; i <= NF; i++) column[$i] = i; next }
        { printf "%-30s images/s %7.1f  steady %7s  allreduce_s %s\n", name, $column["images_per_s"], steady,
          ("allreduce_s" in column) ? sprintf("%.4f", $column["allreduce_s"]) : "-" }' "$folder/metrics.csv"
}
run() {  # $1 name, rest: the launcher before glean
    local name=$1; shift
    "$@" "$glean" "${args[@]}" --runs-dir "$runs" --run-name "$name" > "$runs/$name.log" 2>&1 || { echo "$name failed:"; tail -5 "$runs/$name.log"; exit 1; }
    report "$name"
}
mkdir -p "$runs"
echo "link: $rate, $delay (tc on both ends of the veth pair)"
for round in $(seq 1 "$rounds"); do
    echo "-- round $round"
    GLEAN_BUCKET_MB=4 run "r$round-one-process" taskset -c 0
    GLEAN_BUCKET_MB=4 run "r$round-independent-a" taskset -c 0 & GLEAN_BUCKET_MB=4 run "r$round-independent-b" taskset -c 1; wait
    GLEAN_BUCKET_MB=4 run "r$round-2-ranks-shm" "${mpi[@]}" -np 2 --bind-to none
    for buckets in ${BUCKETS:-4 10000}; do
        export GLEAN_BUCKET_MB=$buckets
        label=$([ "$buckets" = 4 ] && echo buckets || echo one-bucket)
        run "r$round-2-hosts-$label" bash $hosts run 10.231.0.1 "${mpi[@]}" "${link[@]}" \
            --host 10.231.0.1:1,10.231.0.2:1 -np 2 --bind-to none
        [ -n "${TWO_ONLY:-}" ] || run "r$round-4-ranks-2-hosts-$label" bash $hosts run 10.231.0.1 "${mpi[@]}" "${link[@]}" \
            --host 10.231.0.1:2,10.231.0.2:2 -np 4 --oversubscribe --bind-to none
    done
done
