#!/usr/bin/env bash
# A single-node Slurm on localhost for testing `reram sweep --backend slurm` (docs/slurm.md):
# its own munged (own key and socket) and slurmctld + slurmd from Debian's slurm-wlm, with
# a slurm.conf in DIR on non-default ports, proctrack/linuxproc and task/none (no cgroups
# needed), daemons as root, no accounting database (squeue / scontrol, not sacct).
#
#   scripts/slurm-local.sh start DIR   # starts the daemons, waits until the node is idle,
#                                      # writes DIR/env.sh (export SLURM_CONF=...)
#   . DIR/env.sh; sbatch ...; squeue
#   scripts/slurm-local.sh stop DIR    # stops the daemons by the PIDs they recorded
#
# Exit status of start: 0 running; 77 the daemons cannot run here (missing binaries, not
# root, or they did not come up: the reason is printed and the logs are in DIR).
set -uo pipefail
cmd="${1:-}"
dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|status DIR" >&2; exit 2; }
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

stop() {
  # Slurm daemons first (they talk to munged), each by its own PID file.
  for f in slurmd slurmctld munged; do
    [ -s "$dir/$f.pid" ] || continue
    pid=$(cat "$dir/$f.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
    fi
    rm -f "$dir/$f.pid"
  done
}

unavailable() {
  echo "slurm-local: cannot start a local Slurm here: $*" >&2
  stop
  exit 77
}

case "$cmd" in
  stop) stop; exit 0 ;;
  status)
    for f in munged slurmctld slurmd; do
      if [ -s "$dir/$f.pid" ] && kill -0 "$(cat "$dir/$f.pid")" 2>/dev/null; then echo "$f running (pid $(cat "$dir/$f.pid"))"
      else echo "$f not running"; fi
    done
    exit 0 ;;
  start) ;;
  *) echo "usage: $0 start|stop|status DIR" >&2; exit 2 ;;
esac

for b in munged munge slurmctld slurmd sbatch squeue scontrol; do
  command -v "$b" >/dev/null 2>&1 || [ -x "/usr/sbin/$b" ] || unavailable "'$b' not installed (apt-get install slurm-wlm munge; scripts/setup.sh does)"
done
[ "$(id -u)" -eq 0 ] || unavailable "the daemons run as root here and this shell is uid $(id -u)"
PATH="$PATH:/usr/sbin"

# Ports: fixed offset from a base, overridable, away from Slurm's defaults (6817/6818).
base="${RERAM_SLURM_PORT_BASE:-$((17000 + ($$ % 400) * 2))}"
ctld_port=$base
slurmd_port=$((base + 1))
mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
chmod 700 "$dir/munge"

# munge: own key, socket, pid and log.
if [ ! -s "$dir/munge/munge.key" ]; then
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
  chmod 400 "$dir/munge/munge.key"
fi
munged --force --socket="$dir/munge/munge.sock" --key-file="$dir/munge/munge.key" \
  --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munge/munged.seed" \
  >> "$dir/munged.out" 2>&1 || unavailable "munged failed to start ($(tail -1 "$dir/munged.log" 2>/dev/null))"
for _ in $(seq 50); do [ -S "$dir/munge/munge.sock" ] && break; sleep 0.1; done
munge --socket="$dir/munge/munge.sock" -n | unmunge --socket="$dir/munge/munge.sock" > /dev/null 2>&1 \
  || unavailable "munge round trip failed (see $dir/munged.log)"

cpus=$(nproc)
mem=$(awk '/MemTotal/ {print int($2 / 1024 / 2)}' /proc/meminfo)
cat > "$dir/slurm.conf" <<EOF
ClusterName=reramlocal
SlurmctldHost=localhost
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.sock
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
# Test cluster: schedule (and start dependants) as soon as possible.
SchedulerParameters=sched_interval=1,bf_interval=1,sched_min_interval=0
MessageTimeout=5
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
MinJobAge=3600
KillWait=5
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=localhost NodeHostname=localhost CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=local Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
export SLURM_CONF="$dir/slurm.conf"
cat > "$dir/env.sh" <<EOF
export SLURM_CONF="$dir/slurm.conf"
export PATH="\$PATH:/usr/sbin"
EOF

slurmctld -f "$dir/slurm.conf" -i >> "$dir/slurmctld.out" 2>&1 || unavailable "slurmctld failed ($(tail -2 "$dir/slurmctld.log" 2>/dev/null | tr '\n' ' '))"
slurmd -f "$dir/slurm.conf" -N localhost >> "$dir/slurmd.out" 2>&1 || unavailable "slurmd failed ($(tail -2 "$dir/slurmd.log" 2>/dev/null | tr '\n' ' '))"

# Wait for the node to become usable.
for _ in $(seq 150); do
  state=$(sinfo -h -N -o '%t' 2>/dev/null | head -1)
  case "$state" in idle|mix|alloc) echo "slurm-local: running in $dir (slurmctld port $ctld_port, node localhost, $cpus CPUs); . $dir/env.sh"; exit 0 ;; esac
  sleep 0.2
done
unavailable "node did not become idle (state '${state:-none}'; logs: $dir/slurmctld.log, $dir/slurmd.log)"
