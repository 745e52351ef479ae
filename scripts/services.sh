#!/usr/bin/env bash
# Install and run real PostgreSQL, Redis and Elasticsearch on loopback for
# integration tests.
#
#   scripts/services.sh install              apt packages + Elasticsearch distribution
#   scripts/services.sh start [pg|redis|es]  start (default: all), wait until ready
#   scripts/services.sh stop  [pg|redis|es]  stop (default: all)
#   scripts/services.sh status               one line per service
#   scripts/services.sh env                  export lines for the tests
#
# Settings (environment):
#   MATCHMAKER_PG_PORT (55432)  MATCHMAKER_REDIS_PORT (56379)
#   MATCHMAKER_ES_PORT (59200)  MATCHMAKER_ES_TRANSPORT_PORT (59300)
#   MATCHMAKER_SERVICES_DIR (/tmp/matchmaker-services)  runtime data, logs, pids
#   MATCHMAKER_CACHE (~/.cache/matchmaker)              downloaded distributions
#   MATCHMAKER_ES_JAVA_HOME (/usr/lib/jvm/java-17-openjdk-amd64)
#   MATCHMAKER_ES_JAVA_OPTS (-Xms512m -Xmx512m)
set -euo pipefail

PG_PORT="${MATCHMAKER_PG_PORT:-55432}"
REDIS_PORT="${MATCHMAKER_REDIS_PORT:-56379}"
ES_PORT="${MATCHMAKER_ES_PORT:-59200}"
ES_TRANSPORT_PORT="${MATCHMAKER_ES_TRANSPORT_PORT:-59300}"
HOST=127.0.0.1

SERVICES_DIR="${MATCHMAKER_SERVICES_DIR:-/tmp/matchmaker-services}"
CACHE_DIR="${MATCHMAKER_CACHE:-$HOME/.cache/matchmaker}"

ES_VERSION=8.19.21
ES_ARTIFACT="org.elasticsearch.distribution.integ-test-zip:elasticsearch:${ES_VERSION}:zip"
ES_CACHE_DIR="$CACHE_DIR/elasticsearch"
ES_DIST="$ES_CACHE_DIR/elasticsearch-$ES_VERSION"
ES_JAVA_HOME_DIR="${MATCHMAKER_ES_JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}"
ES_JAVA_OPTS_VALUE="${MATCHMAKER_ES_JAVA_OPTS:--Xms512m -Xmx512m}"
ES_USER=mmsvc
ES_TIMEOUT=120

PG_DB=matchmaker_test
PG_ROLE=matchmaker

PG_DIR="$SERVICES_DIR/pg"
PG_DATA="$PG_DIR/data"
PG_LOG="$PG_DIR/postgresql.log"
REDIS_DIR="$SERVICES_DIR/redis"
REDIS_PID="$REDIS_DIR/redis.pid"
REDIS_LOG="$REDIS_DIR/redis.log"
ES_DIR="$SERVICES_DIR/es"
ES_HOME="$ES_DIR/elasticsearch-$ES_VERSION"
ES_PID="$ES_DIR/es.pid"
ES_LOGS="$ES_DIR/logs"
ES_STARTUP_LOG="$ES_DIR/startup.log"

# docker-compose (Debian's 1.29, no engine needed) validates docker-compose.yml in the tests
APT_PACKAGES=(postgresql redis-server chromium fonts-noto-cjk docker-compose)

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

# Print the end of a log file to stderr (used when a service fails to come up).
show_log() {
    local file=$1
    if [[ -f $file ]]; then
        printf -- '----- last lines of %s -----\n' "$file" >&2
        tail -n 40 "$file" >&2
        printf -- '-----\n' >&2
    else
        printf '(no log file at %s)\n' "$file" >&2
    fi
}

# Run a command as another user from /, so it does not trip over root's cwd. setsid puts the
# daemons it starts in a session of their own: killing the caller's process group (a shell job
# that ends, a CI step that is cleaned up) must not take the servers down with it.
as_user() {
    local user=$1; shift
    (cd / && setsid --wait runuser -u "$user" -- "$@")
}

port_open() {
    (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

pid_alive() {
    local pidfile=$1 pid
    [[ -s $pidfile ]] || return 1
    pid=$(<"$pidfile")
    [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null
}

# Wait until the pid in a pid file is gone; SIGKILL it after the timeout.
wait_pid_gone() {
    local pidfile=$1 timeout=$2 pid i
    [[ -s $pidfile ]] || return 0
    pid=$(<"$pidfile")
    for ((i = 0; i < timeout * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    log "pid $pid still alive after ${timeout}s, killing it"
    kill -KILL "$pid" 2>/dev/null || true
}

require_root() {
    [[ $(id -u) -eq 0 ]] || die "must run as root (it manages apt packages and runs services as other users)"
}

# ---------------------------------------------------------------- install

pkg_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

apt_install() {
    local missing=("$@") policy=/usr/sbin/policy-rc.d created_policy=0
    log "apt-get install ${missing[*]}"
    # Keep the packages' own postgresql/redis services from autostarting on
    # their default ports; we run our own instances. Only when no policy exists.
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        created_policy=1
        # Left behind, it would block every later package's service start.
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    local rc=0
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" || rc=$?
    if ((rc != 0)); then
        log "apt-get install failed (rc=$rc); running apt-get update and retrying"
        apt-get update -q || true
        rc=0
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" || rc=$?
    fi
    ((created_policy)) && rm -f "$policy"
    ((rc == 0)) || die "apt-get install ${missing[*]} failed"
}

# If an existing policy let the freshly installed services start, stop them.
stop_distro_services() {
    local pkg
    for pkg in "$@"; do
        case $pkg in
            postgresql)
                if command -v pg_lsclusters >/dev/null; then
                    pg_lsclusters -h 2>/dev/null | while read -r ver name _port status _; do
                        if [[ $status == online* ]]; then
                            log "stopping Debian's postgresql cluster $ver/$name"
                            pg_ctlcluster "$ver" "$name" stop || true
                        fi
                    done
                fi
                ;;
            redis-server)
                if pid_alive /run/redis/redis-server.pid; then
                    log "stopping Debian's redis-server service"
                    service redis-server stop >/dev/null 2>&1 \
                        || kill "$(cat /run/redis/redis-server.pid)" 2>/dev/null || true
                fi
                ;;
        esac
    done
}

install_packages() {
    local pkgs=("${APT_PACKAGES[@]}") missing=() p
    command -v curl >/dev/null || pkgs+=(curl ca-certificates)
    command -v unzip >/dev/null || pkgs+=(unzip)
    for p in "${pkgs[@]}"; do
        pkg_installed "$p" || missing+=("$p")
    done
    if ((${#missing[@]} == 0)); then
        log "apt packages already installed"
        return
    fi
    apt_install "${missing[@]}"
    stop_distro_services "${missing[@]}"
}

install_elasticsearch() {
    if [[ -x $ES_DIST/bin/elasticsearch ]]; then
        log "Elasticsearch $ES_VERSION already unpacked in $ES_DIST"
        return
    fi
    command -v mvn >/dev/null || die "mvn not found (needed to fetch Elasticsearch from Maven Central)"
    mkdir -p "$ES_CACHE_DIR"
    local zip="$ES_CACHE_DIR/elasticsearch-$ES_VERSION.zip"
    if [[ ! -s $zip ]]; then
        log "fetching $ES_ARTIFACT from Maven Central"
        if ! mvn -q -B dependency:copy -Dartifact="$ES_ARTIFACT" -DoutputDirectory="$ES_CACHE_DIR" \
                >"$ES_CACHE_DIR/mvn.log" 2>&1; then
            show_log "$ES_CACHE_DIR/mvn.log"
            die "mvn could not fetch $ES_ARTIFACT"
        fi
        [[ -s $zip ]] || die "mvn finished but $zip is missing"
    fi
    # Unpack next to the target and rename, so a present $ES_DIST is always complete.
    local tmp
    tmp=$(mktemp -d "$ES_CACHE_DIR/unpack.XXXXXX")
    log "unpacking $zip"
    if ! unzip -q "$zip" -d "$tmp"; then
        rm -rf "$tmp"
        die "could not unpack $zip (corrupt? delete it and re-run install)"
    fi
    local top=("$tmp"/*)
    if ((${#top[@]} != 1)) || [[ ! -x ${top[0]}/bin/elasticsearch ]]; then
        rm -rf "$tmp"
        die "unexpected layout in $zip"
    fi
    mv "${top[0]}" "$ES_DIST"
    rm -rf "$tmp" "$zip" "$ES_CACHE_DIR/mvn.log"   # the zip also stays in ~/.m2, no need for a third copy
    log "Elasticsearch unpacked in $ES_DIST"
}

cmd_install() {
    require_root
    install_packages
    install_elasticsearch
}

# ---------------------------------------------------------------- common

ensure_services_dir() {
    mkdir -p "$SERVICES_DIR"
    chmod 755 "$SERVICES_DIR"
    # postgres and mmsvc must be able to reach their folders inside it.
    if ! runuser -u nobody -- test -x "$SERVICES_DIR" 2>/dev/null; then
        die "$SERVICES_DIR is not reachable by other users (a parent folder is private?); set MATCHMAKER_SERVICES_DIR elsewhere"
    fi
}

ensure_svc_user() {
    if ! id -u "$ES_USER" >/dev/null 2>&1; then
        log "creating system user $ES_USER"
        useradd --system --create-home --home-dir "/var/lib/$ES_USER" --shell /usr/sbin/nologin "$ES_USER"
    fi
}

# ---------------------------------------------------------------- postgres

pg_bin() {
    local dir
    dir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
    [[ -n $dir && -x $dir/initdb ]] || die "PostgreSQL server binaries not found under /usr/lib/postgresql; run: $0 install"
    printf '%s\n' "$dir"
}

pg_running() {
    [[ -f $PG_DATA/PG_VERSION ]] || return 1
    as_user postgres "$(pg_bin)/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

pg_ready() {
    pg_isready -q -h "$HOST" -p "$PG_PORT" -t 2
}

psql_admin() {
    psql -X -q -v ON_ERROR_STOP=1 -h "$HOST" -p "$PG_PORT" -U postgres -d postgres "$@"
}

pg_init() {
    local bin=$1 locale=C
    locale -a 2>/dev/null | grep -qix 'c\.utf-\?8' && locale=C.UTF-8
    log "initdb $PG_DATA (locale $locale)"
    mkdir -p "$PG_DIR"
    chown postgres:postgres "$PG_DIR"
    chmod 700 "$PG_DIR"
    if ! as_user postgres "$bin/initdb" -D "$PG_DATA" -U postgres --auth=trust \
            --encoding=UTF8 --locale="$locale" >"$PG_DIR/initdb.log" 2>&1; then
        show_log "$PG_DIR/initdb.log"
        die "initdb failed"
    fi
    echo "include_if_exists = 'matchmaker.conf'" >>"$PG_DATA/postgresql.conf"
}

pg_write_conf() {
    # Rewritten on every start so a changed port applies. No unix socket:
    # tests use TCP, and socket paths under a long services dir can exceed
    # the 107-byte limit.
    cat >"$PG_DATA/matchmaker.conf" <<EOF
listen_addresses = '$HOST'
port = $PG_PORT
unix_socket_directories = ''
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF
    chown postgres:postgres "$PG_DATA/matchmaker.conf"
}

pg_ensure_db() {
    local has_role has_db
    has_role=$(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$PG_ROLE'")
    if [[ $has_role != 1 ]]; then
        psql_admin -c "CREATE ROLE $PG_ROLE LOGIN SUPERUSER CREATEDB"
    fi
    has_db=$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")
    if [[ $has_db != 1 ]]; then
        psql_admin -c "CREATE DATABASE $PG_DB OWNER $PG_ROLE ENCODING 'UTF8' TEMPLATE template0"
    fi
}

start_pg() {
    command -v pg_isready >/dev/null || die "PostgreSQL client tools missing; run: $0 install"
    local bin
    bin=$(pg_bin)
    if pg_running; then
        pg_ready || die "PostgreSQL in $PG_DATA runs but does not answer on $HOST:$PG_PORT (started with another port?)"
        pg_ensure_db
        log "pg already up on $HOST:$PG_PORT"
        return
    fi
    port_open "$PG_PORT" && die "port $PG_PORT is already in use by another process; set MATCHMAKER_PG_PORT"
    [[ -f $PG_DATA/PG_VERSION ]] || pg_init "$bin"
    pg_write_conf
    log "starting pg on $HOST:$PG_PORT"
    if ! as_user postgres "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start >/dev/null; then
        show_log "$PG_LOG"
        die "PostgreSQL did not start"
    fi
    local i
    for ((i = 0; i < 100; i++)); do
        pg_ready && break
        sleep 0.1
    done
    pg_ready || { show_log "$PG_LOG"; die "PostgreSQL started but does not answer on $HOST:$PG_PORT"; }
    pg_ensure_db
    log "pg up"
}

stop_pg() {
    if ! pg_running; then
        log "pg not running"
        return
    fi
    log "stopping pg"
    as_user postgres "$(pg_bin)/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null \
        || { show_log "$PG_LOG"; die "pg_ctl stop failed"; }
}

# ---------------------------------------------------------------- redis

redis_ready() {
    [[ $(redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]
}

start_redis() {
    command -v redis-server >/dev/null || die "redis-server not installed; run: $0 install"
    if pid_alive "$REDIS_PID"; then
        if redis_ready; then
            log "redis already up on $HOST:$REDIS_PORT"
            return
        fi
    elif port_open "$REDIS_PORT"; then
        die "port $REDIS_PORT is already in use by another process; set MATCHMAKER_REDIS_PORT"
    else
        mkdir -p "$REDIS_DIR"
        log "starting redis on $HOST:$REDIS_PORT"
        setsid --wait redis-server --port "$REDIS_PORT" --bind "$HOST" --save '' --appendonly no \
            --daemonize yes --pidfile "$REDIS_PID" --logfile "$REDIS_LOG" --dir "$REDIS_DIR" \
            || { show_log "$REDIS_LOG"; die "redis-server failed to start"; }
    fi
    local i
    for ((i = 0; i < 100; i++)); do
        redis_ready && { log "redis up"; return; }
        sleep 0.1
    done
    show_log "$REDIS_LOG"
    die "Redis did not answer PING on $HOST:$REDIS_PORT within 10s"
}

stop_redis() {
    if ! pid_alive "$REDIS_PID"; then
        log "redis not running"
        return
    fi
    log "stopping redis"
    redis-cli -h "$HOST" -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 \
        || kill "$(<"$REDIS_PID")" 2>/dev/null || true
    wait_pid_gone "$REDIS_PID" 20
    rm -f "$REDIS_PID"
}

# ---------------------------------------------------------------- elasticsearch

es_health_url() {
    printf 'http://%s:%s/_cluster/health?wait_for_status=yellow&timeout=%s' "$HOST" "$ES_PORT" "$1"
}

es_ready() {
    curl -fsS -o /dev/null --max-time 5 "$(es_health_url 1s)" 2>/dev/null
}

es_prepare_home() {
    [[ -x $ES_DIST/bin/elasticsearch ]] || die "Elasticsearch distribution not found in $ES_DIST; run: $0 install"
    [[ -x $ES_JAVA_HOME_DIR/bin/java ]] || die "no java at $ES_JAVA_HOME_DIR/bin/java (set MATCHMAKER_ES_JAVA_HOME)"
    ensure_svc_user
    mkdir -p "$ES_DIR"
    # The cache lives under root's home, which mmsvc cannot read, so the
    # service runs from its own copy.
    if [[ ! -x $ES_HOME/bin/elasticsearch ]]; then
        log "copying Elasticsearch to $ES_HOME"
        rm -rf "$ES_HOME.tmp"
        cp -a "$ES_DIST" "$ES_HOME.tmp"
        mv "$ES_HOME.tmp" "$ES_HOME"
    fi
    mkdir -p "$ES_DIR/data" "$ES_DIR/tmp" "$ES_LOGS"
    cat >"$ES_HOME/config/elasticsearch.yml" <<EOF
cluster.name: matchmaker-test
node.name: matchmaker-test-node
discovery.type: single-node
xpack.security.enabled: false
network.host: $HOST
http.port: $ES_PORT
transport.port: $ES_TRANSPORT_PORT
path.data: $ES_DIR/data
path.logs: $ES_LOGS
cluster.routing.allocation.disk.threshold_enabled: false
EOF
    chown -R "$ES_USER:" "$ES_DIR"
}

start_es() {
    command -v curl >/dev/null || die "curl not installed; run: $0 install"
    if pid_alive "$ES_PID"; then
        if es_ready; then
            log "es already up on $HOST:$ES_PORT"
            return
        fi
        log "es process running, waiting for it to become ready"
    elif port_open "$ES_PORT"; then
        die "port $ES_PORT is already in use by another process; set MATCHMAKER_ES_PORT"
    else
        es_prepare_home
        rm -f "$ES_PID"
        log "starting es on $HOST:$ES_PORT (transport $ES_TRANSPORT_PORT)"
        # -d returns once the node has started (or failed).
        if ! as_user "$ES_USER" env ES_JAVA_HOME="$ES_JAVA_HOME_DIR" ES_JAVA_OPTS="$ES_JAVA_OPTS_VALUE" \
                ES_TMPDIR="$ES_DIR/tmp" "$ES_HOME/bin/elasticsearch" -d -p "$ES_PID" >"$ES_STARTUP_LOG" 2>&1; then
            show_log "$ES_STARTUP_LOG"
            show_log "$ES_LOGS/matchmaker-test.log"
            die "Elasticsearch failed to start"
        fi
    fi
    local deadline=$((SECONDS + ES_TIMEOUT))
    while ((SECONDS < deadline)); do
        if curl -fsS -o /dev/null --max-time 12 "$(es_health_url 10s)" 2>/dev/null; then
            log "es up"
            return
        fi
        pid_alive "$ES_PID" || break
        sleep 1
    done
    show_log "$ES_STARTUP_LOG"
    show_log "$ES_LOGS/matchmaker-test.log"
    die "Elasticsearch did not become ready (yellow) on $HOST:$ES_PORT within ${ES_TIMEOUT}s"
}

stop_es() {
    if ! pid_alive "$ES_PID"; then
        log "es not running"
        rm -f "$ES_PID"
        return
    fi
    log "stopping es"
    kill -TERM "$(<"$ES_PID")" 2>/dev/null || true
    wait_pid_gone "$ES_PID" 60
    rm -f "$ES_PID"
}

# ---------------------------------------------------------------- commands

pg_url() { printf 'postgresql+psycopg://%s@%s:%s/%s' "$PG_ROLE" "$HOST" "$PG_PORT" "$PG_DB"; }
redis_url() { printf 'redis://%s:%s/0' "$HOST" "$REDIS_PORT"; }
es_url() { printf 'http://%s:%s' "$HOST" "$ES_PORT"; }

# Map the given names (or none = all) to canonical names in SERVICES.
SERVICES=()
resolve_services() {
    SERVICES=()
    (($# == 0)) && set -- pg redis es
    local name
    for name in "$@"; do
        case $name in
            pg | postgres | postgresql) SERVICES+=(pg) ;;
            redis) SERVICES+=(redis) ;;
            es | elasticsearch) SERVICES+=(es) ;;
            *) die "unknown service '$name' (expected pg, redis or es)" ;;
        esac
    done
}

cmd_start() {
    require_root
    resolve_services "$@"
    ensure_services_dir
    local svc
    for svc in "${SERVICES[@]}"; do
        "start_$svc"
    done
}

cmd_stop() {
    require_root
    resolve_services "$@"
    local svc
    for svc in "${SERVICES[@]}"; do
        "stop_$svc"
    done
}

cmd_status() {
    local state
    state=down; command -v pg_isready >/dev/null && pg_ready && state=up
    printf '%-6s %-5s %s\n' pg "$state" "$(pg_url)"
    state=down; command -v redis-cli >/dev/null && redis_ready && state=up
    printf '%-6s %-5s %s\n' redis "$state" "$(redis_url)"
    state=down; es_ready && state=up
    printf '%-6s %-5s %s\n' es "$state" "$(es_url)"
}

cmd_env() {
    printf 'export MATCHMAKER_TEST_DATABASE_URL=%s\n' "$(pg_url)"
    printf 'export MATCHMAKER_TEST_REDIS_URL=%s\n' "$(redis_url)"
    printf 'export MATCHMAKER_TEST_ES_URL=%s\n' "$(es_url)"
}

usage() {
    sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
}

main() {
    local cmd=${1:-}
    (($#)) && shift
    case $cmd in
        install) cmd_install "$@" ;;
        start) cmd_start "$@" ;;
        stop) cmd_stop "$@" ;;
        status) cmd_status ;;
        env) cmd_env ;;
        -h | --help | help) usage ;;
        *) usage >&2; die "unknown command '${cmd}'" ;;
    esac
}

main "$@"
