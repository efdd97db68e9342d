# Shared settings and helpers of tools/functional/{install,start,stop,status}.
# Sourced, not run. Every setting can be overridden from the environment.

FUNC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

VENV=${CIMING_FUNC_VENV:-$HOME/.cache/ciming-functional/venv}
STATE=${CIMING_FUNC_STATE:-/tmp/ciming-functional}
PYTHON=${CIMING_FUNC_PYTHON:-python3}
HOST=${CIMING_FUNC_HOST:-127.0.0.1}

ALPHA_KEYSTONE_PORT=${CIMING_FUNC_ALPHA_KEYSTONE_PORT:-5000}
ALPHA_GLANCE1_PORT=${CIMING_FUNC_ALPHA_GLANCE1_PORT:-9292}
ALPHA_GLANCE2_PORT=${CIMING_FUNC_ALPHA_GLANCE2_PORT:-9293}
BETA_KEYSTONE_PORT=${CIMING_FUNC_BETA_KEYSTONE_PORT:-5001}
BETA_GLANCE_PORT=${CIMING_FUNC_BETA_GLANCE_PORT:-9294}
ALPHA_BARBICAN_PORT=${CIMING_FUNC_ALPHA_BARBICAN_PORT:-9311}

# Seconds to wait for one service to answer, for pip, for a stop.
START_TIMEOUT=${CIMING_FUNC_START_TIMEOUT:-120}
INSTALL_TIMEOUT=${CIMING_FUNC_INSTALL_TIMEOUT:-900}
STOP_TIMEOUT=${CIMING_FUNC_STOP_TIMEOUT:-30}

# Services, in start order: NAME CLOUD KIND PORT [REGION].
# A service's files live in $STATE/NAME.
SERVICES=(
    "alpha-keystone alpha keystone $ALPHA_KEYSTONE_PORT"
    "beta-keystone beta keystone $BETA_KEYSTONE_PORT"
    "alpha-glance-r1 alpha glance $ALPHA_GLANCE1_PORT RegionOne"
    "alpha-glance-r2 alpha glance $ALPHA_GLANCE2_PORT RegionTwo"
    "beta-glance beta glance $BETA_GLANCE_PORT RegionOne"
    "alpha-barbican alpha barbican $ALPHA_BARBICAN_PORT RegionOne"
)

log() { echo "${0##*/}: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# The URL a service answers on without authentication.
health_url() {
    local kind=$1 port=$2
    case $kind in
        keystone) echo "http://$HOST:$port/v3" ;;
        glance) echo "http://$HOST:$port/versions" ;;
        # oslo.middleware's healthcheck, beside the API in the paste ini
        # (loaded with it); "/" answers 300 (version list).
        barbican) echo "http://$HOST:$port/healthcheck" ;;
    esac
}

# answers URL: true when URL returns HTTP 200 within 5 seconds.
answers() {
    [ "$(curl -s -o /dev/null -w '%{http_code}' --connect-timeout 2 \
        --max-time 5 "$1" 2>/dev/null)" = 200 ]
}

# pid_of NAME: the gunicorn master's pid when it is alive, else nothing.
pid_of() {
    local pidfile=$STATE/$1/gunicorn.pid pid
    [ -f "$pidfile" ] || return 0
    pid=$(cat "$pidfile" 2>/dev/null) || return 0
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        echo "$pid"
    fi
}

# port_busy PORT: true when something accepts connections on PORT.
port_busy() {
    timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null
}

# port_holder PORT: the processes listening on PORT, one per line, for
# error messages. A server whose state directory was removed while it ran
# shows a "(deleted)" working directory: stop cannot find it any more.
port_holder() {
    local pids pid
    pids=$(ss -ltnpH "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' \
        | cut -d= -f2 | sort -u) || true
    for pid in $pids; do
        printf '  pid %s: %s (cwd %s)\n' "$pid" \
            "$(ps -o args= -p "$pid" 2>/dev/null)" \
            "$(readlink "/proc/$pid/cwd" 2>/dev/null)"
    done
}

# stop_service NAME: SIGTERM the gunicorn master of NAME (its workers
# follow), SIGKILL its process group after STOP_TIMEOUT seconds.
stop_service() {
    local name=$1 pid pgid deadline
    pid=$(pid_of "$name")
    if [ -z "$pid" ]; then
        rm -f "$STATE/$name/gunicorn.pid"
        log "$name: not running"
        return
    fi
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + STOP_TIMEOUT))
    while kill -0 "$pid" 2>/dev/null; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            pgid=$(ps -o pgid= -p "$pid" | tr -d ' ')
            log "$name: still running after ${STOP_TIMEOUT}s, killing"
            if [ "$pgid" = "$pid" ]; then
                # start runs each master in its own session and group.
                kill -KILL -- "-$pid" 2>/dev/null || true
            else
                kill -KILL "$pid" 2>/dev/null || true
            fi
            break
        fi
        sleep 0.2
    done
    rm -f "$STATE/$name/gunicorn.pid"
    log "$name: stopped (pid $pid)"
}
