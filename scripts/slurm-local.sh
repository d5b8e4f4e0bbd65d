#!/usr/bin/env bash
# A single-node Slurm cluster on localhost, for the test of the README's Slurm recipe
# (tests/slurm.test.ts): munged, slurmctld and slurmd, each with its own files under DIR, so
# nothing in /etc is touched and nothing outlives `stop`.
#
#   scripts/slurm-local.sh start DIR   # prints the SLURM_CONF to export; waits until the node is idle
#   scripts/slurm-local.sh stop DIR    # stops the three daemons (by their pid files)
#
# Needs root (SlurmUser=root) and Debian's slurm-wlm and munge: apt-get install -y slurm-wlm munge.
# Process tracking by /proc (proctrack/linuxproc) and no task plugin (task/none): no cgroups,
# so it also runs in a container.
set -euo pipefail
cmd=${1:-}; dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then echo "usage: $0 start|stop DIR" >&2; exit 2; fi

stop() {
  local pid
  for f in slurmd.pid slurmctld.pid munged.pid; do
    [ -f "$dir/$f" ] || continue
    pid=$(cat "$dir/$f")
    kill "$pid" 2>/dev/null || true
    # wait for it to go (a daemon holds its ports and socket until it exits)
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/$f"
  done
}

if [ "$cmd" = stop ]; then stop; exit 0; fi
[ "$cmd" = start ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

missing=()
for b in munged mungekey slurmctld slurmd sbatch sinfo; do command -v "$b" >/dev/null 2>&1 || missing+=("$b"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "slurm-local: not installed: ${missing[*]}; install them with: apt-get install -y slurm-wlm munge" >&2
  exit 3
fi
if [ "$(id -u)" != 0 ]; then echo "slurm-local: needs root (SlurmUser=root; slurmd runs jobs as their user)" >&2; exit 3; fi

mkdir -p "$dir/state" "$dir/spool" "$dir/log"
chmod 700 "$dir"
dir=$(cd "$dir" && pwd)
host=$(hostname -s)
cpus=$(nproc)
# ports away from Slurm's defaults (6817-6818), so that a real cluster on this machine is not disturbed
ctld_port=${FCLAB_SLURMCTLD_PORT:-16817}
slurmd_port=${FCLAB_SLURMD_PORT:-16818}

[ -f "$dir/munge.key" ] || mungekey --create --keyfile="$dir/munge.key" >/dev/null
chmod 600 "$dir/munge.key"
munged --force --key-file="$dir/munge.key" --socket="$dir/munge.socket" --pid-file="$dir/munged.pid" \
  --log-file="$dir/log/munged.log" --seed-file="$dir/munged.seed"

cat > "$dir/slurm.conf" <<CONF
ClusterName=fclab-local
SlurmctldHost=$host
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge.socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
# a job whose dependency can never be met (a failed shard) is cancelled, not left pending forever
DependencyParameters=kill_invalid_depend
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/slurmd-%n
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"

# -c: a clean state (no jobs from an earlier start); -i: ignore state that cannot be recovered
slurmctld -c -i -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"

# ready when the node takes jobs (bounded: 60 s, then the logs say why)
for _ in $(seq 120); do
  state=$(sinfo -h -n "$host" -o %T 2>/dev/null || true)
  if [ "$state" = idle ]; then echo "$SLURM_CONF"; exit 0; fi
  sleep 0.5
done
echo "slurm-local: the node did not become idle (state: ${state:-none}); logs:" >&2
tail -n 20 "$dir/log/"*.log >&2 || true
stop
exit 1
