#!/usr/bin/env bash
# Two test "hosts" on this machine for multi-host MPI runs: network namespaces glean-h0 and
# glean-h1 joined by a veth pair, 10.231.0.1 and 10.231.0.2 (nothing else is reachable in them).
# Needs root (ip netns). Open MPI starts the second host's daemon through this script's `agent`.
#   bash scripts/netns_hosts.sh up [RATE DELAY]   create them; with RATE and DELAY (e.g. 10gbit 50us)
#                                                 both ends are shaped by tc netem (tbf, rate only,
#                                                 where the kernel has no netem)
#   bash scripts/netns_hosts.sh down              remove them
#   bash scripts/netns_hosts.sh run HOST CMD...   run CMD on HOST (10.231.0.1 or 10.231.0.2)
#   mpirun --mca plm_rsh_agent "bash scripts/netns_hosts.sh agent" --host 10.231.0.1:1,10.231.0.2:1 …
#                                                 (mpirun itself started with `run 10.231.0.1`)
set -euo pipefail
namespace() {
    case "$1" in
        10.231.0.1) echo glean-h0 ;;
        10.231.0.2) echo glean-h1 ;;
        *) echo "netns_hosts.sh: $1 is not one of the test hosts 10.231.0.1, 10.231.0.2" >&2; exit 1 ;;
    esac
}
case "${1:-}" in
    up)
        "$0" down
        ip netns add glean-h0
        ip netns add glean-h1
        ip link add glean-v0 type veth peer name glean-v1
        for i in 0 1; do
            ip link set "glean-v$i" netns "glean-h$i"
            ip -n "glean-h$i" addr add "10.231.0.$((i + 1))/24" dev "glean-v$i"
            ip -n "glean-h$i" link set lo up
            ip -n "glean-h$i" link set "glean-v$i" up
            if [ -n "${2:-}" ]; then
                # netem shapes rate and delay; a kernel without it (sch_netem) gets a token bucket for
                # the rate alone, and says so.
                if ! ip netns exec "glean-h$i" tc qdisc add dev "glean-v$i" root netem delay "${3:-0us}" rate "$2" 2>/dev/null; then
                    ip netns exec "glean-h$i" tc qdisc add dev "glean-v$i" root tbf rate "$2" burst 1mb latency 10ms
                    [ "$i" = 1 ] || echo "netns_hosts.sh: this kernel has no netem; rate $2 shaped by tbf, delay ${3:-0us} not emulated" >&2
                fi
            fi
        done
        ;;
    down)
        ip netns del glean-h0 2>/dev/null || true
        ip netns del glean-h1 2>/dev/null || true
        ;;
    run)
        ns=$(namespace "$2")
        shift 2
        # Each host gets its own host name, as separate machines have.
        exec ip netns exec "$ns" unshare --uts /bin/sh -c "hostname $ns; exec \"\$0\" \"\$@\"" "$@"
        ;;
    agent)
        # Open MPI's rsh launcher calls: AGENT [options] HOST COMMAND (a shell command line).
        shift
        while [[ "${1:-}" == -* ]]; do shift; done
        ns=$(namespace "$1")
        shift
        exec ip netns exec "$ns" unshare --uts /bin/sh -c "hostname $ns; $*"
        ;;
    *)
        sed -n '2,11p' "$0" >&2
        exit 2
        ;;
esac
