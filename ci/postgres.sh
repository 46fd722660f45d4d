#!/usr/bin/env bash
# Install (if needed) and start a throw-away PostgreSQL on 127.0.0.1 for the store tests.
# Run as root; idempotent (safe to run again). Prints only the connection URL on stdout,
# e.g.  export AVA_ROUTER_TEST_PG_URL="$(ci/postgres.sh)"
set -euo pipefail

PG_USER="${PG_USER:-ava_router}"
PG_PASSWORD="${PG_PASSWORD:-ava_router_test}"
PG_DB="${PG_DB:-ava_router_test}"
PG_PORT="${PG_PORT:-5432}"

log() { echo "ci/postgres.sh: $*" >&2; }

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    log "installing postgresql"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
fi

# The newest installed major version, and its cluster (create one if the package made none).
PG_VERSION="$(ls /usr/lib/postgresql | sort -n | tail -1)"
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "${PG_VERSION} main"; then
    log "creating cluster ${PG_VERSION}/main"
    pg_createcluster "${PG_VERSION}" main --port "${PG_PORT}" >&2
fi

# Loopback only: the test database must never listen on a public interface.
CONF_D="/etc/postgresql/${PG_VERSION}/main/conf.d"
mkdir -p "${CONF_D}"
printf "listen_addresses = '127.0.0.1'\nport = %s\n" "${PG_PORT}" > "${CONF_D}/ava-router.conf"

if ! pg_lsclusters -h | awk -v v="${PG_VERSION}" '$1==v && $2=="main" {print $4}' | grep -q online; then
    log "starting cluster ${PG_VERSION}/main"
    pg_ctlcluster "${PG_VERSION}" main start >&2
fi

# Wait until the server accepts connections (start can return before it does).
for _ in $(seq 1 30); do
    if runuser -u postgres -- pg_isready -q -h 127.0.0.1 -p "${PG_PORT}"; then break; fi
    sleep 1
done

as_postgres() { runuser -u postgres -- psql -v ON_ERROR_STOP=1 -q -p "${PG_PORT}" "$@"; }

if [ -z "$(as_postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname = '${PG_USER}'")" ]; then
    as_postgres -c "CREATE ROLE ${PG_USER} LOGIN PASSWORD '${PG_PASSWORD}'" >&2
fi
if [ -z "$(as_postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '${PG_DB}'")" ]; then
    as_postgres -c "CREATE DATABASE ${PG_DB} OWNER ${PG_USER}" >&2
fi

echo "postgresql://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${PG_PORT}/${PG_DB}"
