#!/bin/sh
# First-time set-up of the broker's users (Mosquitto dynamic security plugin).
#
#   deploy/mosquitto/dynsec-bootstrap.sh init DYNSEC_JSON
#       Before the first start: create dynamic-security.json with the admin user "sg-admin"
#       (password from $SG_BROKER_ADMIN_PASSWORD). The cloud API uses this user to add each
#       gateway when it registers (api.broker_admin in the ingest config).
#   deploy/mosquitto/dynsec-bootstrap.sh roles HOST PORT CAFILE
#       With the broker running: the "ingest" role (read everything under sg/v1/, publish the
#       acks) and its user "ingest" (password from $SG_BROKER_INGEST_PASSWORD). Safe to re-run.
#
# Gateways are never added here: each gets its own user and role at registration.
set -eu

need() { eval "v=\${$1:-}"; [ -n "$v" ] || { echo "set $1 (the password to use)" >&2; exit 2; }; }

case "${1:-}" in
init)
    need SG_BROKER_ADMIN_PASSWORD
    file=${2:?usage: $0 init DYNSEC_JSON}
    if [ -e "$file" ]; then
        echo "$file exists already: nothing changed" >&2
        exit 0
    fi
    mosquitto_ctrl dynsec init "$file" sg-admin "$SG_BROKER_ADMIN_PASSWORD" >/dev/null
    chmod 0600 "$file"
    echo "created $file with the admin user sg-admin"
    ;;
roles)
    need SG_BROKER_ADMIN_PASSWORD
    need SG_BROKER_INGEST_PASSWORD
    host=${2:?usage: $0 roles HOST PORT CAFILE}
    port=${3:?usage: $0 roles HOST PORT CAFILE}
    cafile=${4:?usage: $0 roles HOST PORT CAFILE}
    ctrl() {
        # "already exists" answers make a re-run harmless; other errors stop the script.
        out=$(mosquitto_ctrl -h "$host" -p "$port" --cafile "$cafile" -u sg-admin \
            -P "$SG_BROKER_ADMIN_PASSWORD" dynsec "$@" 2>&1) || {
            case "$out" in *"already"*) return 0 ;; esac
            echo "mosquitto_ctrl dynsec $1 failed: $out" >&2
            exit 1
        }
        case "$out" in *rror*) case "$out" in *"already"*) ;; *)
            echo "mosquitto_ctrl dynsec $1 failed: $out" >&2; exit 1 ;; esac ;; esac
    }
    ctrl createRole ingest
    ctrl addRoleACL ingest subscribePattern 'sg/v1/#' allow
    # Mosquitto 2.0 checks a shared subscription by its full filter: allow the workers' group.
    ctrl addRoleACL ingest subscribePattern '$share/ingest/sg/v1/#' allow
    ctrl addRoleACL ingest publishClientSend 'sg/v1/+/+/ack' allow
    ctrl createClient ingest -p "$SG_BROKER_INGEST_PASSWORD"
    ctrl setClientPassword ingest "$SG_BROKER_INGEST_PASSWORD"
    ctrl addClientRole ingest ingest
    echo "role and user 'ingest' ready on $host:$port"
    ;;
*)
    echo "usage: $0 init DYNSEC_JSON | roles HOST PORT CAFILE" >&2
    exit 2
    ;;
esac
