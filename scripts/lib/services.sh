# shellcheck shell=bash
#
# Test services for the hme test suite: the functions behind scripts/services.sh.
#
# `services_start` brings up everything the tests talk to and writes
# target/test-services/env.sh; `services_stop` stops exactly what
# `services_start` started. State lives in target/test-services/:
#
#   env.sh                 export lines for the tests (removed by stop)
#   <name>.pid, <name>.port  processes we started (secantusdb, smtp, moto)
#   redis.started, rabbitmq.started
#                          flags: the system service was down and we started it
#   *.log                  logs of the servers and installers
#   mail/                  messages received by the SMTP sink
#
# Works on a fresh Debian machine as root (installs what is missing with apt,
# pip and npm) and is quick when everything is already there.
#
# The caller sets HME_ROOT (the repository root) before sourcing this file.

: "${HME_ROOT:?HME_ROOT must be set to the repository root}"

STATE_DIR="$HME_ROOT/target/test-services"
ENV_FILE="$STATE_DIR/env.sh"
MAIL_DIR="$STATE_DIR/mail"
VENV_DIR="$HME_ROOT/target/test-venv"
VENV_PY="$VENV_DIR/bin/python"
REQUIREMENTS="$HME_ROOT/scripts/requirements-test.txt"
SMTP_SINK="$HME_ROOT/scripts/smtp_sink.py"
MONGOOSE_DIR="$HME_ROOT/tools/mongoose-compat"

REDIS_PORT=6379
RABBITMQ_PORT=5672

MONGO_TIMEOUT=60    # seconds until SecantusDB must answer a ping
SERVER_TIMEOUT=30   # seconds for the SMTP sink, moto and Redis
RABBITMQ_TIMEOUT=90 # RabbitMQ needs ~7 s on this machine
STOP_TIMEOUT=10     # seconds between SIGTERM and SIGKILL

APT_UPDATED=0

# ------------------------------------------------------------------ helpers

log() { printf '[services] %s\n' "$*" >&2; }

die() {
    log "ERROR: $*"
    exit 1
}

is_root() { [ "$(id -u)" = 0 ]; }

have() { command -v "$1" >/dev/null 2>&1; }

# Print the last lines of a log file to stderr, if it exists.
show_log_tail() {
    local file=$1 lines=${2:-40}
    if [ -s "$file" ]; then
        log "---- last $lines lines of $file ----"
        tail -n "$lines" "$file" >&2
        log "---- end of $file ----"
    fi
}

# sha256 over standard input, as a bare hex string.
sha256_of_stdin() {
    sha256sum | cut -d' ' -f1
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# True when an HTTP server answers on 127.0.0.1:$1 (any status counts).
http_answers() {
    (
        exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
        printf 'GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
        IFS= read -r -t 5 line <&3 || exit 1
        [[ $line == HTTP/* ]]
    ) 2>/dev/null
}

# True when an SMTP server greets with 220 on 127.0.0.1:$1.
smtp_answers() {
    (
        exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
        IFS= read -r -t 5 line <&3 || exit 1
        printf 'QUIT\r\n' >&3
        [[ $line == 220* ]]
    ) 2>/dev/null
}

redis_answers() {
    [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]
}

# N free TCP ports on 127.0.0.1, one per line (held open together, so distinct).
free_ports() {
    "$VENV_PY" - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print("\n".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# wait_for TIMEOUT WHAT PID LOG CHECK...: poll CHECK until it succeeds. Fails
# early when PID (if not empty) has exited. On failure prints the log tail.
wait_for() {
    local timeout=$1 what=$2 pid=$3 logfile=$4
    shift 4
    local deadline=$((SECONDS + timeout))
    until "$@"; do
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
            show_log_tail "$logfile"
            die "$what exited during startup (log: $logfile)"
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            show_log_tail "$logfile"
            die "$what did not become ready within ${timeout}s (log: $logfile)"
        fi
        sleep 0.2
    done
}

# apt_install PACKAGE...: install Debian packages (root only; apt-get update once).
apt_install() {
    is_root || die "$* missing and not root: install $* yourself"
    local aptlog="$STATE_DIR/apt.log"
    if [ "$APT_UPDATED" = 0 ]; then
        log "apt-get update"
        apt-get update >>"$aptlog" 2>&1 || {
            show_log_tail "$aptlog"
            die "apt-get update failed"
        }
        APT_UPDATED=1
    fi
    log "apt-get install $*"
    # 9>&-: a service the package starts must not inherit our lock.
    DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" >>"$aptlog" 2>&1 9>&- || {
        show_log_tail "$aptlog"
        die "apt-get install $* failed"
    }
}

# ------------------------------------------------ processes we start ourselves

pid_file() { echo "$STATE_DIR/$1.pid"; }
port_file() { echo "$STATE_DIR/$1.port"; }

# True when NAME's recorded PID is alive and its command line contains MARKER
# (so a recycled PID is never taken for ours).
own_process_alive() {
    local name=$1 marker=$2 pid
    pid=$(cat "$(pid_file "$name")" 2>/dev/null) || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$marker"
}

# start_background NAME LOG COMMAND...: start COMMAND detached from our stdio,
# record its PID. Echoes the PID.
start_background() {
    local name=$1 logfile=$2
    shift 2
    "$@" </dev/null >>"$logfile" 2>&1 9>&- &
    local pid=$!
    echo "$pid" >"$(pid_file "$name")"
    echo "$pid"
}

# stop_own_processes NAME:MARKER...: SIGTERM to each of these that is running
# (all at once: SecantusDB alone takes a few seconds to exit), then SIGKILL to
# whatever is left after STOP_TIMEOUT.
stop_own_processes() {
    local spec name marker pid pids=()
    for spec in "$@"; do
        name=${spec%%:*}
        marker=${spec#*:}
        if own_process_alive "$name" "$marker"; then
            pid=$(cat "$(pid_file "$name")")
            log "stopping $name (pid $pid)"
            kill -TERM "$pid" 2>/dev/null || true
            pids+=("$pid")
        fi
        rm -f "$(pid_file "$name")" "$(port_file "$name")"
    done
    [ "${#pids[@]}" -gt 0 ] || return 0

    local deadline=$((SECONDS + STOP_TIMEOUT)) alive
    while :; do
        alive=()
        for pid in "${pids[@]}"; do
            if kill -0 "$pid" 2>/dev/null; then alive+=("$pid"); fi
        done
        [ "${#alive[@]}" -gt 0 ] || return 0
        [ "$SECONDS" -lt "$deadline" ] || break
        sleep 0.1
    done
    log "still running after ${STOP_TIMEOUT}s, killing: ${alive[*]}"
    kill -KILL "${alive[@]}" 2>/dev/null || true
}

# --------------------------------------------------------- python and node

# Create target/test-venv and install scripts/requirements-test.txt, unless a
# stamp shows these exact requirements are installed already.
ensure_venv() {
    if [ -x "$VENV_PY" ] && ! "$VENV_PY" -c 'import sys' >/dev/null 2>&1; then
        log "removing broken venv $VENV_DIR"
        rm -rf "$VENV_DIR"
    fi
    if [ ! -x "$VENV_PY" ]; then
        have python3 || apt_install python3 python3-venv
        log "creating venv $VENV_DIR"
        if ! python3 -m venv "$VENV_DIR" >>"$STATE_DIR/pip.log" 2>&1; then
            # Debian's own python3 needs python3-venv for ensurepip.
            rm -rf "$VENV_DIR"
            apt_install python3-venv
            python3 -m venv "$VENV_DIR" >>"$STATE_DIR/pip.log" 2>&1 || {
                show_log_tail "$STATE_DIR/pip.log"
                die "python3 -m venv failed"
            }
        fi
    fi

    local stamp="$VENV_DIR/.hme-requirements.sha256" want
    want=$({ cat "$REQUIREMENTS"; "$VENV_PY" -VV; } | sha256_of_stdin)
    if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
        return 0
    fi
    log "pip install -r ${REQUIREMENTS#"$HME_ROOT"/} (takes a minute or two on a fresh machine)"
    "$VENV_PY" -m pip install --disable-pip-version-check --no-input -r "$REQUIREMENTS" \
        >>"$STATE_DIR/pip.log" 2>&1 || {
        show_log_tail "$STATE_DIR/pip.log"
        die "pip install failed (log: $STATE_DIR/pip.log)"
    }
    echo "$want" >"$stamp"
}

# npm ci in tools/mongoose-compat when node_modules is missing or the lock
# file changed since the last install.
ensure_mongoose_tool() {
    if ! have node || ! have npm; then apt_install nodejs npm; fi
    local lock="$MONGOOSE_DIR/package-lock.json"
    local stamp="$MONGOOSE_DIR/node_modules/.hme-package-lock.sha256" want
    [ -f "$lock" ] || die "$lock is missing"
    want=$({ cat "$lock" "$MONGOOSE_DIR/package.json"; node --version; } | sha256_of_stdin)
    if [ -d "$MONGOOSE_DIR/node_modules" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
        return 0
    fi
    log "npm ci in ${MONGOOSE_DIR#"$HME_ROOT"/}"
    (cd "$MONGOOSE_DIR" && npm ci --no-audit --no-fund) >>"$STATE_DIR/npm.log" 2>&1 || {
        show_log_tail "$STATE_DIR/npm.log"
        die "npm ci failed (log: $STATE_DIR/npm.log)"
    }
    echo "$want" >"$stamp"
}

# ------------------------------------------------------- our own servers

SECANTUS_MARKER="secantusd-py"
SMTP_MARKER="smtp_sink.py"
MOTO_MARKER="moto_server"

# True when SecantusDB on port $1 answers a ping (one attempt).
mongo_answers() {
    "$VENV_PY" - "$1" <<'EOF' >/dev/null 2>&1
import sys
from pymongo import MongoClient
uri = f"mongodb://127.0.0.1:{sys.argv[1]}/?directConnection=true"
client = MongoClient(uri, serverSelectionTimeoutMS=1000, connectTimeoutMS=1000)
client.admin.command("ping")
EOF
}

# Poll SecantusDB on port $1 (process $2) until it answers a ping, in one
# python process (pymongo's import is too slow to repeat per attempt).
wait_for_mongo() {
    local port=$1 pid=$2 logfile="$STATE_DIR/secantusdb.log"
    if ! "$VENV_PY" - "$port" "$pid" "$MONGO_TIMEOUT" <<'EOF'; then
import os, sys, time
from pymongo import MongoClient
port, pid, timeout = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
uri = f"mongodb://127.0.0.1:{port}/?directConnection=true"
deadline = time.monotonic() + timeout
last = None
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(f"SecantusDB (pid {pid}) exited during startup")
    try:
        client = MongoClient(uri, serverSelectionTimeoutMS=500, connectTimeoutMS=500)
        client.admin.command("ping")
        client.close()
        sys.exit(0)
    except Exception as err:  # not up yet
        last = err
        time.sleep(0.2)
sys.exit(f"SecantusDB did not answer a ping within {timeout:.0f}s: {last}")
EOF
        show_log_tail "$logfile"
        die "SecantusDB failed to start (log: $logfile)"
    fi
}

# Start the three servers we own (or keep the ones still running from an
# earlier `start`), then wait for each. Sets MONGO_PORT, SMTP_PORT, S3_PORT.
start_own_servers() {
    local ports secantus_pid="" smtp_pid="" moto_pid=""
    mapfile -t ports < <(free_ports 3)
    [ "${#ports[@]}" = 3 ] || die "could not pick free ports"

    if own_process_alive secantusdb "$SECANTUS_MARKER" &&
        mongo_answers "$(cat "$(port_file secantusdb)")"; then
        MONGO_PORT=$(cat "$(port_file secantusdb)")
        log "SecantusDB already running on port $MONGO_PORT"
    else
        stop_own_processes "secantusdb:$SECANTUS_MARKER"
        MONGO_PORT=${ports[0]}
        log "starting SecantusDB on port $MONGO_PORT"
        secantus_pid=$(start_background secantusdb "$STATE_DIR/secantusdb.log" \
            "$VENV_DIR/bin/secantusd-py" --host 127.0.0.1 --port "$MONGO_PORT" \
            --storage-path :memory: --log-level WARNING)
        echo "$MONGO_PORT" >"$(port_file secantusdb)"
    fi

    if own_process_alive smtp "$SMTP_MARKER" && smtp_answers "$(cat "$(port_file smtp)")"; then
        SMTP_PORT=$(cat "$(port_file smtp)")
        log "SMTP sink already running on port $SMTP_PORT"
    else
        stop_own_processes "smtp:$SMTP_MARKER"
        SMTP_PORT=${ports[1]}
        mkdir -p "$MAIL_DIR"
        # find, not a glob: a full run leaves tens of thousands of mails (rm's argument list)
        find "$MAIL_DIR" -maxdepth 1 -type f \( -name '*.eml' -o -name '*.json' -o -name '*.tmp' \) -delete
        log "starting SMTP sink on port $SMTP_PORT"
        smtp_pid=$(start_background smtp "$STATE_DIR/smtp.log" \
            "$VENV_PY" -u "$SMTP_SINK" --host 127.0.0.1 --port "$SMTP_PORT" "$MAIL_DIR")
        echo "$SMTP_PORT" >"$(port_file smtp)"
    fi

    if own_process_alive moto "$MOTO_MARKER" && http_answers "$(cat "$(port_file moto)")"; then
        S3_PORT=$(cat "$(port_file moto)")
        log "moto server already running on port $S3_PORT"
    else
        stop_own_processes "moto:$MOTO_MARKER"
        S3_PORT=${ports[2]}
        log "starting moto server (S3) on port $S3_PORT"
        moto_pid=$(start_background moto "$STATE_DIR/moto.log" \
            "$VENV_DIR/bin/moto_server" -H 127.0.0.1 -p "$S3_PORT")
        echo "$S3_PORT" >"$(port_file moto)"
    fi

    # They boot in parallel; now wait for the ones just started.
    [ -z "$secantus_pid" ] || wait_for_mongo "$MONGO_PORT" "$secantus_pid"
    [ -z "$smtp_pid" ] || wait_for "$SERVER_TIMEOUT" "SMTP sink" "$smtp_pid" \
        "$STATE_DIR/smtp.log" smtp_answers "$SMTP_PORT"
    [ -z "$moto_pid" ] || wait_for "$SERVER_TIMEOUT" "moto server" "$moto_pid" \
        "$STATE_DIR/moto.log" http_answers "$S3_PORT"
}

stop_own_servers() {
    stop_own_processes "secantusdb:$SECANTUS_MARKER" "smtp:$SMTP_MARKER" "moto:$MOTO_MARKER"
}

# ---------------------------------------------------------- system services

# Redis on 127.0.0.1:6379: use the running one, else install/start our own.
ensure_redis() {
    if have redis-cli && redis_answers; then
        return 0
    fi
    local was_up=0
    if port_open "$REDIS_PORT"; then was_up=1; fi
    if ! have redis-server || ! have redis-cli; then
        apt_install redis-server redis-tools
    fi
    if redis_answers; then
        # Up already (we had no redis-cli to ask), or its package's scripts
        # started it just now: then it is ours to stop.
        if [ "$was_up" = 0 ]; then
            log "Redis started by its package install"
            touch "$STATE_DIR/redis.started"
        fi
        return 0
    fi
    log "starting redis-server on port $REDIS_PORT"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" \
        --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log \
        </dev/null >>"$STATE_DIR/redis.log" 2>&1 9>&- || {
        show_log_tail "$STATE_DIR/redis.log"
        show_log_tail /var/log/redis/ci.log
        die "redis-server failed to start"
    }
    touch "$STATE_DIR/redis.started"
    wait_for "$SERVER_TIMEOUT" "Redis" "" /var/log/redis/ci.log redis_answers
}

# Prometheus and promtool (Debian's prometheus package): the observability tests start
# their own server on a free port with a scrape config naming the processes they spawn.
ensure_prometheus() {
    if have prometheus && have promtool; then
        return 0
    fi
    if is_root; then
        apt_install prometheus
        # The package's scripts may start the system service: not ours, leave it alone
        # (the tests never use port 9090).
    else
        log "prometheus/promtool missing and not root: the Prometheus tests will skip"
    fi
}

stop_redis() {
    [ -f "$STATE_DIR/redis.started" ] || return 0
    log "stopping Redis (started by us)"
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    rm -f "$STATE_DIR/redis.started"
}

# RabbitMQ on 127.0.0.1:5672: use the running one, else install/start it.
ensure_rabbitmq() {
    if port_open "$RABBITMQ_PORT"; then
        return 0
    fi
    have rabbitmq-server || apt_install rabbitmq-server
    # If the package's scripts already started a node that is still booting,
    # a second one fails harmlessly and we wait for the first below.
    if ! port_open "$RABBITMQ_PORT"; then
        log "starting rabbitmq-server (takes ~10 s)"
        rabbitmq-server -detached </dev/null >>"$STATE_DIR/rabbitmq.log" 2>&1 9>&- || {
            show_log_tail "$STATE_DIR/rabbitmq.log"
            show_rabbitmq_logs
            die "rabbitmq-server -detached failed"
        }
    else
        log "RabbitMQ started by its package install"
    fi
    touch "$STATE_DIR/rabbitmq.started"
    local deadline=$((SECONDS + RABBITMQ_TIMEOUT))
    until port_open "$RABBITMQ_PORT"; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            show_log_tail "$STATE_DIR/rabbitmq.log"
            show_rabbitmq_logs
            die "RabbitMQ did not accept connections on $RABBITMQ_PORT within ${RABBITMQ_TIMEOUT}s"
        fi
        sleep 0.5
    done
    # The AMQP listener opens late in the boot; make sure the node is fully up.
    timeout 60 rabbitmqctl await_startup >>"$STATE_DIR/rabbitmq.log" 2>&1 ||
        log "warning: rabbitmqctl await_startup failed; continuing as the port is open"
}

show_rabbitmq_logs() {
    local f
    for f in /var/log/rabbitmq/*.log; do
        [ -f "$f" ] && show_log_tail "$f" 30
    done
    return 0
}

stop_rabbitmq() {
    [ -f "$STATE_DIR/rabbitmq.started" ] || return 0
    log "stopping RabbitMQ (started by us)"
    rabbitmqctl stop >>"$STATE_DIR/rabbitmq.log" 2>&1 || true
    rm -f "$STATE_DIR/rabbitmq.started"
}

# ----------------------------------------------------------------- env file

# export_line NAME VALUE: an export line with VALUE in single quotes.
export_line() {
    local quoted=${2//\'/\'\\\'\'}
    printf "export %s='%s'\n" "$1" "$quoted"
}

write_env_file() {
    local tmp="$ENV_FILE.tmp"
    {
        echo "# Written by scripts/services.sh start; removed by scripts/services.sh stop."
        export_line HME_TEST_MONGODB_URI "mongodb://127.0.0.1:$MONGO_PORT/?directConnection=true"
        export_line HME_TEST_REDIS_URL "redis://127.0.0.1:$REDIS_PORT"
        export_line HME_TEST_RABBITMQ_URL "amqp://guest:guest@127.0.0.1:$RABBITMQ_PORT/%2f"
        export_line HME_TEST_SMTP_URL "smtp://127.0.0.1:$SMTP_PORT"
        export_line HME_TEST_SMTP_DIR "$MAIL_DIR"
        export_line HME_TEST_S3_ENDPOINT "http://127.0.0.1:$S3_PORT"
        export_line HME_TEST_MONGOOSE_CLI "$MONGOOSE_DIR/cli.js"
        export_line HME_TEST_PYTHON "$VENV_PY"
        export_line HME_TEST_OTLP_RECEIVER "$HME_ROOT/scripts/otlp_receiver.py"
        if have prometheus && have promtool; then
            export_line HME_TEST_PROMETHEUS "$(command -v prometheus)"
            export_line HME_TEST_PROMTOOL "$(command -v promtool)"
        fi
        export_line HME_TEST_REQUIRE_SERVICES 1
    } >"$tmp"
    mv "$tmp" "$ENV_FILE"
}

# ------------------------------------------------------------ entry points

# Serialize concurrent start/stop calls. Every daemon we launch gets fd 9
# closed (9>&-) so it does not keep holding the lock.
take_lock() {
    mkdir -p "$STATE_DIR"
    exec 9>"$STATE_DIR/.lock"
    if have flock; then flock 9; fi
}

services_start() {
    local t0=$SECONDS
    take_lock
    ensure_venv
    ensure_mongoose_tool
    start_own_servers
    ensure_redis
    ensure_rabbitmq
    ensure_prometheus
    write_env_file
    log "ready in $((SECONDS - t0))s; env: ${ENV_FILE#"$HME_ROOT"/}"
}

services_stop() {
    take_lock
    rm -f "$ENV_FILE"
    stop_own_servers
    stop_redis
    stop_rabbitmq
    log "stopped"
}

services_status() {
    local name marker
    for name in secantusdb smtp moto; do
        case $name in
        secantusdb) marker=$SECANTUS_MARKER ;;
        smtp) marker=$SMTP_MARKER ;;
        moto) marker=$MOTO_MARKER ;;
        esac
        if own_process_alive "$name" "$marker"; then
            echo "$name: running (pid $(cat "$(pid_file "$name")"), port $(cat "$(port_file "$name")"))"
        else
            echo "$name: not running"
        fi
    done
    if redis_answers; then echo "redis: up$([ -f "$STATE_DIR/redis.started" ] && echo ' (started by us)')"; else echo "redis: down"; fi
    if port_open "$RABBITMQ_PORT"; then echo "rabbitmq: up$([ -f "$STATE_DIR/rabbitmq.started" ] && echo ' (started by us)')"; else echo "rabbitmq: down"; fi
    if [ -f "$ENV_FILE" ]; then echo "env file: $ENV_FILE"; cat "$ENV_FILE"; else echo "env file: none"; fi
}
