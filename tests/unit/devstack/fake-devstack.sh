#!/bin/bash
# fake-devstack.sh - just enough of devstack to run the CIMinG plugin's
# functions on a developer machine: the helpers that write files really
# write them (iniset), the ones that would change the system or reach a
# cloud only log their call to $FAKE_DEVSTACK_LOG.
#
# Needs: FAKE_DEVSTACK_LOG, FAKE_DEVSTACK_PYTHON (a python with CIMinG),
# FAKE_DEVSTACK_DB_URL (what database_connection_url answers).

FAKE_DEVSTACK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

function _log_call {
    echo "$*" >> "$FAKE_DEVSTACK_LOG"
}

function die {
    local line=$1
    shift
    echo "die at line $line: $*" >&2
    exit 1
}

function iniset {
    "$FAKE_DEVSTACK_PYTHON" "$FAKE_DEVSTACK_DIR/ini.py" set "$@"
}

function iniget {
    "$FAKE_DEVSTACK_PYTHON" "$FAKE_DEVSTACK_DIR/ini.py" get "$@"
}

function trueorfalse {
    local default=$1
    local value=${!2:-$default}
    case "$value" in
        1|[Tt]rue|[Yy]es|[Oo]n) echo True ;;
        *) echo False ;;
    esac
}

function is_service_enabled {
    local service
    for service in "$@"; do
        if [[ ",$ENABLED_SERVICES," == *",$service,"* ]]; then
            return 0
        fi
    done
    return 1
}

# As devstack's: a service disabled in local.conf (disable_service,
# recorded in DISABLED_SERVICES) stays disabled.
function enable_service {
    local service
    for service in "$@"; do
        if [[ ",$DISABLED_SERVICES," == *",$service,"* ]]; then
            continue
        fi
        if ! is_service_enabled "$service"; then
            ENABLED_SERVICES+=",$service"
        fi
    done
}

function get_python_exec_prefix {
    dirname "$FAKE_DEVSTACK_PYTHON"
}

function ipv6_unquote {
    echo "$1" | tr -d '[]'
}

function database_connection_url {
    echo "$FAKE_DEVSTACK_DB_URL"
}

function iniset_rpc_backend {
    local file=$2
    local section=${3:-DEFAULT}
    iniset "$file" "$section" transport_url "rabbit://stackrabbit:secret@$SERVICE_HOST:5672/"
}

function configure_keystone_authtoken_middleware {
    local conf_file=$1
    local admin_user=$2
    local section=${3:-keystone_authtoken}
    iniset "$conf_file" "$section" auth_type password
    iniset "$conf_file" "$section" interface public
    iniset "$conf_file" "$section" auth_url "$KEYSTONE_SERVICE_URI"
    iniset "$conf_file" "$section" username "$admin_user"
    iniset "$conf_file" "$section" password "$SERVICE_PASSWORD"
    iniset "$conf_file" "$section" user_domain_name "$SERVICE_DOMAIN_NAME"
    iniset "$conf_file" "$section" project_name "$SERVICE_PROJECT_NAME"
    iniset "$conf_file" "$section" project_domain_name "$SERVICE_DOMAIN_NAME"
    iniset "$conf_file" "$section" www_authenticate_uri "$KEYSTONE_SERVICE_URI"
}

function setup_logging {
    iniset "$1" DEFAULT logging_exception_prefix "ERROR %(name)s %(instance)s"
}

function write_local_uwsgi_http_config {
    local conf=$1
    _log_call write_local_uwsgi_http_config "$@"
    rm -f "$conf"
    iniset "$conf" uwsgi module "$2"
    iniset "$conf" uwsgi http-socket "127.0.0.1:60999"
}

# sudo runs the command as the user: the test owns every path it touches.
function sudo {
    _log_call sudo "$@"
    if [[ "$1" == "install" ]]; then
        # Drop "-o user": chown needs root.
        local args=() skip=
        local arg
        for arg in "$@"; do
            if [[ -n "$skip" ]]; then
                skip=
            elif [[ "$arg" == "-o" ]]; then
                skip=1
            else
                args+=("$arg")
            fi
        done
        "${args[@]}"
    else
        "$@"
    fi
}

# Helpers that only log their call.
for _fake in echo_summary setup_develop pip_install install_package \
        start_service stop_service run_process stop_process \
        recreate_database create_service_user get_or_create_service \
        get_or_create_endpoint remove_uwsgi_config wait_for_service \
        is_ubuntu is_fedora exit_distro_not_supported; do
    eval "function $_fake { _log_call $_fake \"\$@\"; }"
done
unset _fake
