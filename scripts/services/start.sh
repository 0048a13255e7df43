#!/usr/bin/env bash
# Start the real local services the integration tests and CI talk to, without
# Docker and without anything installed by hand:
#
#   * Apache Kafka (single node, KRaft, combined broker + controller)
#   * DynamoDB Local (in memory, -sharedDb: the same tables for any access key
#     and region)
#
# Both are plain Java programs whose jars come from Maven Central (see
# scripts/services/pom.xml) and are cached in <repo>/.cache/services/.
# Needs only `java` (17+) and, the first time, `mvn`.
#
# Usage:  bash scripts/services/start.sh        (npm run services:start)
#         bash scripts/services/stop.sh         (npm run services:stop)
#
# Environment:
#   KAFKA_BROKERS        if set, no local Kafka is started; the first reachable
#                        broker of the list is only checked (TCP) and reported.
#   DYNAMODB_ENDPOINT    same for DynamoDB (e.g. http://127.0.0.1:4566 for LocalStack).
#   KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), DYNAMODB_PORT (8000)
#   SERVICES_STATE_DIR   where pid files, logs, configuration, data and the env
#                        file go (default .cache/services). A second pair of
#                        services on other ports, with its own state directory,
#                        runs beside the first; stop.sh with the same setting
#                        stops only that pair. The jars stay in .cache/services.
#   SERVICES_KEEP_DATA=1 keep the data across a stop and a start (the Kafka log
#                        dirs are not wiped and re-formatted; DynamoDB Local
#                        keeps its tables on disk instead of in memory), as in a
#                        real outage. Used by the fault drills (bench/drill).
#   SERVICES_START_TIMEOUT  seconds to wait for each service (default 90).
#   SERVICES_MVN_ARGS       extra arguments for mvn (e.g. -o, -Dmaven.repo.local=...).
#
# Output: `export KEY=value` lines on stdout (last lines), and the same as
# KEY=value lines in .cache/services/env, which the test harness reads when
# the variables are not set. Logs: .cache/services/{kafka,dynamodb}/*.log.
#
# Running the Kafka CLI tools against the local broker (the jars include them):
#   java -cp '.cache/services/kafka/lib/*' \
#     -Dlog4j2.configurationFile=.cache/services/kafka/tools-log4j2.properties \
#     org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:9092 --list
#   (also org.apache.kafka.tools.ConsoleProducer,
#    org.apache.kafka.tools.consumer.ConsoleConsumer,
#    org.apache.kafka.tools.consumer.group.ConsumerGroupCommand)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SERVICES_DIR="$ROOT/scripts/services"
CACHE="$ROOT/.cache/services"
STATE="${SERVICES_STATE_DIR:-$CACHE}"
KAFKA_LIB="$CACHE/kafka/lib"
DDB_LIB="$CACHE/dynamodb/lib"
KAFKA_DIR="$STATE/kafka"
DDB_DIR="$STATE/dynamodb"
ENV_FILE="$STATE/env"
KEEP_DATA="${SERVICES_KEEP_DATA:-0}"
# On every java command line, so stop.sh stops only the services of its state directory.
STATE_MARK="-Dagentsched.services.state=$STATE"

KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
DYNAMODB_PORT="${DYNAMODB_PORT:-8000}"
TIMEOUT="${SERVICES_START_TIMEOUT:-90}"
HOST=127.0.0.1

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

# Milliseconds since the epoch ($EPOCHREALTIME is bash >= 5).
now_ms() {
  if [[ -n "${EPOCHREALTIME:-}" ]]; then
    local t="${EPOCHREALTIME/[.,]/}"
    echo "${t:0:-3}"
  else
    echo $(($(date +%s) * 1000))
  fi
}
secs_since() { # START_MS -> "12.3s"
  local d=$(($(now_ms) - $1))
  printf '%d.%ds' $((d / 1000)) $(((d % 1000) / 100))
}

# TCP connect test using bash's /dev/tcp (no nc needed).
tcp_open() { # HOST PORT
  timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

# Is the pid in FILE alive AND still the java process we started (its command
# line contains MARKER)? Guards against stale pid files and recycled pids.
pid_of() { # PIDFILE MARKER -> prints pid, returns 0 if ours and alive
  local file="$1" marker="$2" pid
  [[ -f "$file" ]] || return 1
  pid="$(cat "$file" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  local cmd
  cmd="$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" || true)"
  [[ "$cmd" == *"$marker"* ]] || return 1
  echo "$pid"
}

# Is the process we just launched still alive? (Right after the launch its
# /proc cmdline can still be this script's, before `exec java`: pid_of would
# call a starting service dead, so the wait loop checks liveness only.)
alive() { # PIDFILE
  local pid
  pid="$(cat "$1" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null
}

# ---------------------------------------------------------------------------
# DynamoDB readiness: ListTables must answer 200. DynamoDB Local accepts any
# credentials, but it does want an Authorization header that looks like SigV4.
ddb_list_tables() { # ENDPOINT
  if command -v node >/dev/null 2>&1; then
    node -e '
      fetch(process.argv[1], {
        method: "POST",
        headers: {
          "Content-Type": "application/x-amz-json-1.0",
          "X-Amz-Target": "DynamoDB_20120810.ListTables",
          "Authorization": "AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00",
        },
        body: "{}",
        signal: AbortSignal.timeout(3000),
      }).then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1));
    ' "$1" 2>/dev/null
  elif command -v curl >/dev/null 2>&1; then
    [[ "$(curl -s -o /dev/null -w '%{http_code}' -m 3 -X POST "$1" \
      -H 'Content-Type: application/x-amz-json-1.0' \
      -H 'X-Amz-Target: DynamoDB_20120810.ListTables' \
      -H 'Authorization: AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00' \
      -d '{}')" == 200 ]]
  else
    tcp_open "$HOST" "$DYNAMODB_PORT"
  fi
}

# Kafka readiness: a real metadata round trip through the AdminClient (the port
# opens before the broker has caught up with the controller and unfenced itself).
kafka_tools_log4j() { echo "$KAFKA_DIR/tools-log4j2.properties"; }
kafka_metadata_ok() {
  timeout 30 java -Xmx128m -XX:TieredStopAtLevel=1 \
    -Dlog4j2.configurationFile="$(kafka_tools_log4j)" \
    -cp "$KAFKA_LIB/*" org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "$HOST:$KAFKA_PORT" --list >/dev/null 2>&1
}

# ---------------------------------------------------------------------------
# Services given from outside: check reachability only.
check_external_kafka() {
  local b host port
  IFS=',' read -ra brokers <<<"$KAFKA_BROKERS"
  for b in "${brokers[@]}"; do
    b="${b// /}"; b="${b#*://}"
    host="${b%:*}"; port="${b##*:}"
    [[ "$host" == "$b" ]] && port=9092
    host="${host#[}"; host="${host%]}"
    if tcp_open "$host" "$port"; then
      log "kafka: using KAFKA_BROKERS=$KAFKA_BROKERS ($host:$port answers)"
      return 0
    fi
  done
  die "kafka: KAFKA_BROKERS=$KAFKA_BROKERS is set but no broker in it accepts TCP connections"
}

check_external_dynamodb() {
  local url="$DYNAMODB_ENDPOINT" scheme hostport host port
  scheme="${url%%://*}"; [[ "$scheme" == "$url" ]] && scheme=http
  hostport="${url#*://}"; hostport="${hostport%%/*}"
  host="${hostport%:*}"; port="${hostport##*:}"
  if [[ "$host" == "$hostport" ]]; then
    [[ "$scheme" == https ]] && port=443 || port=80
  fi
  host="${host#[}"; host="${host%]}"
  tcp_open "$host" "$port" \
    || die "dynamodb: DYNAMODB_ENDPOINT=$DYNAMODB_ENDPOINT is set but $host:$port does not accept TCP connections"
  log "dynamodb: using DYNAMODB_ENDPOINT=$DYNAMODB_ENDPOINT ($host:$port answers)"
}

# ---------------------------------------------------------------------------
# Fetch a service's jars with Maven, once. The marker file records a checksum
# of pom.xml, so editing a version there triggers a clean re-fetch.
fetch_jars() { # PROFILE DIR (the jars go to DIR/lib)
  local profile="$1" dir="$2" sum marker t0
  sum="$(cksum <"$SERVICES_DIR/pom.xml" | cut -d' ' -f1)"
  marker="$dir/lib/.fetched-$sum"
  [[ -f "$marker" ]] && return 0
  command -v mvn >/dev/null 2>&1 || missing_tools "mvn (to download the $profile jars once into .cache/services/)"
  log "$profile: downloading jars with Maven into ${dir#"$ROOT"/}/lib ..."
  t0=$(now_ms)
  rm -rf "${dir:?}/lib"
  mkdir -p "$dir"
  # Maven's output goes to a file (with -q, Maven 3.8 still prints stray ANSI
  # codes) and is shown only when it fails.
  # shellcheck disable=SC2086  # SERVICES_MVN_ARGS is a list of words on purpose
  if ! mvn -q -B ${SERVICES_MVN_ARGS:-} -f "$SERVICES_DIR/pom.xml" -P "$profile" \
        -Dservices.dir="$CACHE" dependency:copy-dependencies </dev/null >"$dir/mvn.log" 2>&1; then
    cat "$dir/mvn.log" >&2
    rm -rf "${dir:?}/lib"
    die "$profile: Maven could not download the jars (output above, also in ${dir#"$ROOT"/}/mvn.log)"
  fi
  touch "$marker"
  log "$profile: jars fetched in $(secs_since "$t0")"
}

missing_tools() {
  die "missing: $*.
  The local Kafka and DynamoDB need Java 17+ (java) and, the first time, Maven (mvn);
  on Debian/Ubuntu: apt-get install -y openjdk-17-jre-headless maven.
  Alternatives:
    - with Docker: docker compose -f localstack/docker-compose.yml up -d  (LocalStack + Redpanda),
      then set KAFKA_BROKERS / DYNAMODB_ENDPOINT to what it exposes;
    - or point the tests at services you already have:
      export KAFKA_BROKERS=host:9092  DYNAMODB_ENDPOINT=http://host:8000"
}

# ---------------------------------------------------------------------------
# Kafka
KAFKA_MARKER="kafka.Kafka"
KAFKA_PIDFILE="$KAFKA_DIR/kafka.pid"
KAFKA_LOG="$KAFKA_DIR/kafka.log"

write_kafka_config() {
  local data="$KAFKA_DIR/data"
  cat >"$KAFKA_DIR/server.properties" <<EOF
# Generated by scripts/services/start.sh -- edits are overwritten.
# Single node: this process is both the KRaft controller and the broker.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$data
num.partitions=1
default.replication.factor=1
auto.create.topics.enable=true
# A single broker can only hold one replica of the internal topics.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
# Known from Kafka 4.0 on; older brokers only log them as unused.
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Tests want consumer groups to form at once, not after the default 3 s.
group.initial.rebalance.delay.ms=0
# Fewer internal partitions: faster coordinator start-up on a 2-core machine.
offsets.topic.num.partitions=10
transaction.state.log.num.partitions=4
share.coordinator.state.topic.num.partitions=4
EOF
  # Kafka 4.x logs through log4j2 and ships its config outside the jars.
  cat >"$KAFKA_DIR/log4j2.properties" <<'EOF'
status = warn
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = STDOUT
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
EOF
  cat >"$(kafka_tools_log4j)" <<'EOF'
status = warn
appender.err.type = Console
appender.err.name = STDERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = STDERR
EOF
}

# Random KRaft cluster id: a base64url-encoded 16-byte UUID, 22 characters,
# not starting with '-' (what `kafka-storage.sh random-uuid` does, minus a JVM start).
kafka_cluster_id() {
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$id" != -* ]] && { echo "$id"; return; }
  done
}

launch_kafka() {
  mkdir -p "$KAFKA_DIR"
  write_kafka_config
  # Fresh state on every cold start: wipe and re-format the KRaft storage
  # (unless SERVICES_KEEP_DATA=1 and it was formatted before).
  if [[ "$KEEP_DATA" == 1 && -f "$KAFKA_DIR/data/meta.properties" ]]; then
    log "kafka: keeping the data in ${KAFKA_DIR#"$ROOT"/}/data (SERVICES_KEEP_DATA=1)"
  else
    rm -rf "$KAFKA_DIR/data"
    java -Xmx256m -XX:TieredStopAtLevel=1 -Dlog4j2.configurationFile="$(kafka_tools_log4j)" \
      -cp "$KAFKA_LIB/*" kafka.tools.StorageTool format \
      -t "$(kafka_cluster_id)" -c "$KAFKA_DIR/server.properties" --standalone \
      >"$KAFKA_LOG" 2>&1 || { cat "$KAFKA_LOG" >&2; die "kafka: storage format failed"; }
  fi
  # setsid + nohup: the broker must outlive this script and the npm process,
  # and must not get the terminal's Ctrl-C. JVM flags as in kafka-run-class.sh.
  setsid nohup java "$STATE_MARK" -Xms256m -Xmx768m -server \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties" \
    -cp "$KAFKA_LIB/*" kafka.Kafka "$KAFKA_DIR/server.properties" \
    </dev/null >>"$KAFKA_LOG" 2>&1 9>&- &
  echo $! >"$KAFKA_PIDFILE"
}

# ---------------------------------------------------------------------------
# DynamoDB Local
DDB_PIDFILE="$DDB_DIR/dynamodb.pid"
DDB_LOG="$DDB_DIR/dynamodb.log"
DDB_MARKER="local.main.ServerRunner"

launch_dynamodb() {
  local main=software.amazon.dynamodb.services.local.main.ServerRunner
  # DynamoDB Local 2.x (com.amazonaws:DynamoDBLocal) had the old package name.
  # Zip entry names are stored uncompressed, so grep finds class names in a jar.
  grep -aqF 'software/amazon/dynamodb/services/local/main/ServerRunner' "$DDB_LIB/DynamoDBLocal.jar" \
    || main=com.amazonaws.services.dynamodbv2.local.main.ServerRunner
  # sqlite4java loads libsqlite4java-linux-amd64.so (exact name; the pom strips
  # the version) from java.library.path / sqlite4java.library.path.
  # C1-only JIT and the serial GC: ~1 s faster start-up for a small test database.
  # -sharedDb: one set of tables whatever access key / region a client uses
  #   (by default DynamoDB Local keeps a separate database per key+region).
  # -disableTelemetry: it would otherwise try to phone home.
  # Run from $DDB_DIR: it writes dynamodb-local-metadata.json into its cwd.
  local storage=(-inMemory)
  if [[ "$KEEP_DATA" == 1 ]]; then
    mkdir -p "$DDB_DIR/data"
    storage=(-dbPath "$DDB_DIR/data")
  fi
  (
    cd "$DDB_DIR"
    exec setsid nohup java "$STATE_MARK" -Xms64m -Xmx512m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Djava.awt.headless=true \
      -Djava.library.path="$DDB_LIB" -Dsqlite4java.library.path="$DDB_LIB" \
      -cp "$DDB_LIB/*" "$main" "${storage[@]}" -sharedDb -disableTelemetry -port "$DYNAMODB_PORT" \
      </dev/null >"$DDB_LOG" 2>&1 9>&-
  ) &
  echo $! >"$DDB_PIDFILE"
}

# ---------------------------------------------------------------------------
main() {
  mkdir -p "$CACHE" "$STATE"
  # One start/stop at a time (parallel test workers may all call start).
  # The services are launched with fd 9 closed, or they would hold the lock.
  exec 9>"$STATE/.lock"
  flock -w 300 9 || die "could not get the lock $STATE/.lock"

  local want_kafka=1 want_ddb=1
  [[ -n "${KAFKA_BROKERS:-}" ]] && want_kafka=0
  [[ -n "${DYNAMODB_ENDPOINT:-}" ]] && want_ddb=0

  ((want_kafka)) || check_external_kafka
  ((want_ddb)) || check_external_dynamodb

  local kafka_env="${KAFKA_BROKERS:-$HOST:$KAFKA_PORT}"
  local ddb_env="${DYNAMODB_ENDPOINT:-http://$HOST:$DYNAMODB_PORT}"

  if ((want_kafka || want_ddb)); then
    local missing=()
    command -v java >/dev/null 2>&1 || missing+=("java")
    # mvn is only needed while the jars are not cached yet (checked in fetch_jars).
    ((${#missing[@]} == 0)) || missing_tools "${missing[*]}"
    local jv
    jv="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)"
    [[ -n "$jv" && "$jv" -ge 17 ]] || missing_tools "Java 17 or newer (found: ${jv:-unknown})"
  fi

  # --- reuse what already runs, or launch --------------------------------
  local kafka_state=none ddb_state=none pid t_kafka=0 t_ddb=0
  if ((want_kafka)); then
    mkdir -p "$KAFKA_DIR"
    if pid="$(pid_of "$KAFKA_PIDFILE" "$KAFKA_MARKER")" && tcp_open "$HOST" "$KAFKA_PORT" \
        && grep -q 'Kafka Server started' "$KAFKA_LOG" 2>/dev/null; then
      kafka_state=reused
      log "kafka: already running (pid $pid) on $HOST:$KAFKA_PORT, reusing it"
    elif pid="$(pid_of "$KAFKA_PIDFILE" "$KAFKA_MARKER")"; then
      # Ours but not answering yet (e.g. an earlier start timed out while it
      # booted): wait for it below instead of starting a second one.
      kafka_state=starting; t_kafka=$(now_ms)
      log "kafka: pid $pid is still starting, waiting for it"
    else
      rm -f "$KAFKA_PIDFILE"
      for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
        ! tcp_open "$HOST" "$p" || die "kafka: port $HOST:$p is taken by another process.
  Use that broker with KAFKA_BROKERS=$HOST:$KAFKA_PORT, or choose free ports with KAFKA_PORT / KAFKA_CONTROLLER_PORT."
      done
      fetch_jars kafka "$CACHE/kafka"
      kafka_state=launch
    fi
  fi
  if ((want_ddb)); then
    mkdir -p "$DDB_DIR"
    if pid="$(pid_of "$DDB_PIDFILE" "$DDB_MARKER")" && ddb_list_tables "$ddb_env"; then
      ddb_state=reused
      log "dynamodb: already running (pid $pid) on $HOST:$DYNAMODB_PORT, reusing it"
    elif pid="$(pid_of "$DDB_PIDFILE" "$DDB_MARKER")"; then
      ddb_state=starting; t_ddb=$(now_ms)
      log "dynamodb: pid $pid is still starting, waiting for it"
    else
      rm -f "$DDB_PIDFILE"
      ! tcp_open "$HOST" "$DYNAMODB_PORT" || die "dynamodb: port $HOST:$DYNAMODB_PORT is taken by another process.
  Use it with DYNAMODB_ENDPOINT=http://$HOST:$DYNAMODB_PORT, or choose a free port with DYNAMODB_PORT."
      fetch_jars dynamodb "$CACHE/dynamodb"
      ddb_state=launch
    fi
  fi

  # Launch both, then wait for both in one loop so they boot in parallel.
  if [[ $kafka_state == launch ]]; then
    t_kafka=$(now_ms); launch_kafka; kafka_state=starting
    log "kafka: starting (pid $(cat "$KAFKA_PIDFILE")), log: ${KAFKA_LOG#"$ROOT"/}"
  fi
  if [[ $ddb_state == launch ]]; then
    t_ddb=$(now_ms); launch_dynamodb; ddb_state=starting
    log "dynamodb: starting (pid $(cat "$DDB_PIDFILE")), log: ${DDB_LOG#"$ROOT"/}"
  fi

  local deadline=$(($(now_ms) + TIMEOUT * 1000))
  while [[ $kafka_state == starting || $ddb_state == starting ]]; do
    if [[ $ddb_state == starting ]]; then
      if ! alive "$DDB_PIDFILE"; then
        tail -n 40 "$DDB_LOG" >&2 || true
        die "dynamodb: the process exited during start-up (log above: ${DDB_LOG#"$ROOT"/})"
      elif ddb_list_tables "$ddb_env"; then
        ddb_state=started
        log "dynamodb: ready on $ddb_env after $(secs_since "$t_ddb")"
      fi
    fi
    if [[ $kafka_state == starting ]]; then
      if ! alive "$KAFKA_PIDFILE"; then
        tail -n 40 "$KAFKA_LOG" >&2 || true
        die "kafka: the process exited during start-up (log above: ${KAFKA_LOG#"$ROOT"/})"
      # The log line is cheap to poll; then confirm with a real metadata request.
      elif grep -q 'Kafka Server started' "$KAFKA_LOG" 2>/dev/null \
          && tcp_open "$HOST" "$KAFKA_PORT" && kafka_metadata_ok; then
        kafka_state=started
        log "kafka: ready on $HOST:$KAFKA_PORT after $(secs_since "$t_kafka")"
      fi
    fi
    [[ $kafka_state == starting || $ddb_state == starting ]] || break
    if (($(now_ms) > deadline)); then
      if [[ $kafka_state == starting ]]; then
        log "kafka: not ready after ${TIMEOUT}s; last lines of ${KAFKA_LOG#"$ROOT"/}:"
        tail -n 40 "$KAFKA_LOG" >&2 || true
      fi
      if [[ $ddb_state == starting ]]; then
        log "dynamodb: not ready after ${TIMEOUT}s; last lines of ${DDB_LOG#"$ROOT"/}:"
        tail -n 40 "$DDB_LOG" >&2 || true
      fi
      die "timed out (SERVICES_START_TIMEOUT=${TIMEOUT}s); run start.sh again to keep waiting, or stop.sh to clean up"
    fi
    sleep 0.3
  done

  # --- report -------------------------------------------------------------
  local tmp="$ENV_FILE.tmp.$$"
  printf 'KAFKA_BROKERS=%s\nDYNAMODB_ENDPOINT=%s\n' "$kafka_env" "$ddb_env" >"$tmp"
  mv -f "$tmp" "$ENV_FILE"
  log "environment written to ${ENV_FILE#"$ROOT"/}"
  printf 'export KAFKA_BROKERS=%s\n' "$kafka_env"
  printf 'export DYNAMODB_ENDPOINT=%s\n' "$ddb_env"
}

main "$@"
