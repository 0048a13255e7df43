#!/usr/bin/env bash
# Stop the local Kafka and DynamoDB Local started by scripts/services/start.sh.
# SIGTERM, wait, then SIGKILL; removes the pid files, the env file and the
# Kafka data dir so that the next start is a fresh cluster. Idempotent: exits 0
# when nothing runs. Services given through KAFKA_BROKERS / DYNAMODB_ENDPOINT
# were never started by us and are left alone.
#
# SERVICES_STATE_DIR (as for start.sh): stop only the services started with
# that state directory. SERVICES_KEEP_DATA=1: keep the data and the env file
# (a stop meant to be followed by a start with the same settings).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="$ROOT/.cache/services"
STATE="${SERVICES_STATE_DIR:-$CACHE}"
KEEP_DATA="${SERVICES_KEEP_DATA:-0}"
STATE_MARK="-Dagentsched.services.state=$STATE"
STOP_TIMEOUT="${SERVICES_STOP_TIMEOUT:-30}"

log() { printf '[services] %s\n' "$*" >&2; }

# Started with this state directory? Processes without a state mark were started
# by an older start.sh, from the default state directory.
ours_by_state() { # CMDLINE
  if [[ "$1" == *"-Dagentsched.services.state="* ]]; then
    [[ "$1" == *"$STATE_MARK "* ]]
  else
    [[ "$STATE" == "$CACHE" ]]
  fi
}

# Pids of live java processes whose command line contains MARKER (the
# service's main class) AND this checkout's lib dir: only what start.sh
# launched from this checkout, never a shell that merely mentions them.
our_pids() { # LIBDIR MARKER
  local lib="$1" marker="$2" f pid cmd
  for f in /proc/[0-9]*/cmdline; do
    pid="${f#/proc/}"; pid="${pid%/cmdline}"
    cmd="$(tr '\0' ' ' 2>/dev/null <"$f" || true)"
    [[ "${cmd%% *}" == java || "${cmd%% *}" == */java ]] || continue
    [[ "$cmd" == *"$lib"* && "$cmd" == *"$marker"* ]] || continue
    ours_by_state "$cmd" && echo "$pid"
  done
  return 0
}

stop_service() { # NAME PIDFILE LIBDIR MARKER
  local name="$1" pidfile="$2" lib="$3" marker="$4" pids=() pid i alive cmd
  # The pid file first; a scan of /proc catches a process whose pid file was lost.
  if [[ -f "$pidfile" ]]; then
    pid="$(cat "$pidfile" 2>/dev/null || true)"
    if [[ "$pid" =~ ^[0-9]+$ ]]; then
      cmd="$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" || true)"
      [[ "$cmd" == *"$marker"* ]] && ours_by_state "$cmd" && pids+=("$pid")
    fi
  fi
  while read -r pid; do
    [[ -n "$pid" && " ${pids[*]} " != *" $pid "* ]] && pids+=("$pid")
  done < <(our_pids "$lib" "$marker")

  if ((${#pids[@]} == 0)); then
    log "$name: not running"
  else
    log "$name: stopping pid ${pids[*]}"
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for ((i = 0; i < STOP_TIMEOUT * 5; i++)); do
      alive=0
      for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
      ((alive)) || break
      sleep 0.2
    done
    if ((alive)); then
      log "$name: still alive after ${STOP_TIMEOUT}s, sending SIGKILL"
      kill -KILL "${pids[@]}" 2>/dev/null || true
      sleep 0.5
    fi
    log "$name: stopped"
  fi
  rm -f "$pidfile"
}

mkdir -p "$STATE"
exec 9>"$STATE/.lock"
flock -w 120 9 || { log "could not get the lock $STATE/.lock"; exit 1; }

# SERVICES_ONLY=kafka|dynamodb: stop just one of the two.
only="${SERVICES_ONLY:-}"
[[ -z "$only" || "$only" == kafka ]] && stop_service kafka "$STATE/kafka/kafka.pid" "$CACHE/kafka/lib/" "kafka.Kafka"
[[ -z "$only" || "$only" == dynamodb ]] && stop_service dynamodb "$STATE/dynamodb/dynamodb.pid" "$CACHE/dynamodb/lib/" "local.main.ServerRunner"

# Fresh state next time: the broker's log dirs and the advertised environment.
if [[ "$KEEP_DATA" != 1 ]]; then
  rm -rf "$STATE/kafka/data" "$STATE/dynamodb/data"
  rm -f "$STATE/env"
fi
exit 0
