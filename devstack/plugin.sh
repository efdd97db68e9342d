#!/bin/bash
# plugin.sh - devstack plugin of CIMinG, the Cloud Image Manager
#
# Enable it in local.conf with:
#
#   enable_plugin ciming https://opendev.org/openstack/ciming
#
# devstack plugin contract: https://docs.openstack.org/devstack/latest/plugins.html

echo_summary "ciming devstack plugin.sh called: $1/$2"
source "$CIMING_DEVSTACK_DIR/lib/ciming"

if is_service_enabled ciming-api ciming-conductor; then
    if [[ "$1" == "stack" && "$2" == "install" ]]; then
        echo_summary "Installing CIMinG"
        install_ciming
        if [[ -n "$CIMING_JOBBOARD" ]]; then
            install_ciming_jobboard
        fi

    elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
        echo_summary "Configuring CIMinG"
        configure_ciming
        if is_service_enabled key; then
            create_ciming_accounts
        fi
        init_ciming

    elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
        echo_summary "Starting CIMinG"
        start_ciming
        if [[ "$CIMING_REGISTER_REGIONS" == "True" ]] \
                && is_service_enabled ciming-api g-api; then
            register_ciming_regions
        fi
    fi

    if [[ "$1" == "unstack" ]]; then
        stop_ciming
    fi

    if [[ "$1" == "clean" ]]; then
        cleanup_ciming
    fi
fi
