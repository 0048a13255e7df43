#!/usr/bin/env bash
# Stop the local Kafka and DynamoDB Local started by scripts/services/start.sh.
# SIGTERM, wait, then SIGKILL; removes the pid files, the env file and the
# Kafka data dir so that the next start is a fresh cluster. Idempotent: exits 0
# when nothing runs. Services given through KAFKA_BROKERS / DYNAMODB_ENDPOINT
# were never started by us and are left alone.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="$ROOT/.cache/services"
STOP_TIMEOUT="${SERVICES_STOP_TIMEOUT:-30}"

log() { printf '[services] %s\n' "$*" >&2; }

# Pids of live java processes whose command line contains MARKER (the
# service's main class) AND this checkout's lib dir: only what start.sh
# launched from this checkout, never a shell that merely mentions them.
our_pids() { # LIBDIR MARKER
  local lib="$1" marker="$2" f pid cmd
  for f in /proc/[0-9]*/cmdline; do
    pid="${f#/proc/}"; pid="${pid%/cmdline}"
    cmd="$(tr '\0' ' ' 2>/dev/null <"$f" || true)"
    [[ "${cmd%% *}" == java || "${cmd%% *}" == */java ]] || continue
    [[ "$cmd" == *"$lib"* && "$cmd" == *"$marker"* ]] && echo "$pid"
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
      [[ "$cmd" == *"$marker"* ]] && pids+=("$pid")
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

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock -w 120 9 || { log "could not get the lock $CACHE/.lock"; exit 1; }

stop_service kafka "$CACHE/kafka/kafka.pid" "$CACHE/kafka/lib/" "kafka.Kafka"
stop_service dynamodb "$CACHE/dynamodb/dynamodb.pid" "$CACHE/dynamodb/lib/" "local.main.ServerRunner"

# Fresh state next time: the broker's log dirs and the advertised environment.
rm -rf "$CACHE/kafka/data"
rm -f "$CACHE/env"
