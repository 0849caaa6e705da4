#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer, and that the project's database exists.
#
# With DATABASE_URL / REDIS_URL set, those servers are the operator's: they are only checked.
# Unset, a local server on the default port is used: started if installed but stopped, installed
# with apt-get when it is missing and we can, else we stop and say what to install.
set -euo pipefail

PG_HOST=127.0.0.1
PG_PORT=5432
DB_NAME="${TRAILMARK_DB_NAME:-trailmark}"

say() { printf '[services] %s\n' "$*"; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

can_apt() { command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; }

apt_install() {
  can_apt || return 1
  say "installing $* with apt-get"
  if [ -z "${TRAILMARK_APT_UPDATED:-}" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    export TRAILMARK_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_for_port() {
  for _ in $(seq 1 60); do port_open "$1" "$2" && return 0; sleep 0.5; done
  return 1
}

ensure_postgres() {
  if [ -n "${DATABASE_URL:-}" ]; then
    say "using DATABASE_URL (not managed here)"
    return
  fi
  if ! port_open "$PG_HOST" "$PG_PORT"; then
    if ! command -v pg_ctlcluster >/dev/null 2>&1; then
      apt_install postgresql || die "PostgreSQL is not running on $PG_HOST:$PG_PORT and cannot be installed here. Install PostgreSQL 15+ (e.g. 'apt-get install postgresql') or set DATABASE_URL."
    fi
    version=$(ls /etc/postgresql | sort -n | tail -n 1)
    say "starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    wait_for_port "$PG_HOST" "$PG_PORT" || die "PostgreSQL did not start on $PG_HOST:$PG_PORT."
  fi
  # The default URL connects as postgres without a password (trust on loopback). A fresh Debian
  # install only trusts the local socket, so allow loopback connections too.
  if ! psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -tAc 'SELECT 1' >/dev/null 2>&1; then
    hba=$(ls /etc/postgresql/*/main/pg_hba.conf 2>/dev/null | tail -n 1)
    [ -n "$hba" ] || die "Cannot connect to PostgreSQL as 'postgres' on $PG_HOST:$PG_PORT; set DATABASE_URL."
    say "allowing trusted loopback connections in $hba"
    sed -i '1i host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust' "$hba"
    version=$(ls /etc/postgresql | sort -n | tail -n 1)
    pg_ctlcluster --skip-systemctl-redirect "$version" main reload
    psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -tAc 'SELECT 1' >/dev/null \
      || die "Cannot connect to PostgreSQL as 'postgres'; set DATABASE_URL."
  fi
  if [ "$(psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != 1 ]; then
    say "creating database $DB_NAME"
    createdb -h "$PG_HOST" -p "$PG_PORT" -U postgres "$DB_NAME"
  fi
  say "PostgreSQL ready on $PG_HOST:$PG_PORT (database $DB_NAME)"
}

# Redis holds accepted events until the drainer stores them: a buffer, not a cache. The one we
# start persists every second to an append-only file and refuses writes rather than evict keys.
REDIS_DURABLE_ARGS=(--appendonly yes --appendfsync everysec --maxmemory-policy noeviction)

warn_if_not_durable() {
  command -v redis-cli >/dev/null 2>&1 || return 0
  local aof policy
  aof=$(redis-cli -h 127.0.0.1 -p 6379 config get appendonly 2>/dev/null | tail -n 1)
  policy=$(redis-cli -h 127.0.0.1 -p 6379 config get maxmemory-policy 2>/dev/null | tail -n 1)
  if [ "$aof" != yes ] || [ "$policy" != noeviction ]; then
    say "WARNING: the running Redis has appendonly=$aof, maxmemory-policy=$policy: a restart can lose buffered events; production needs appendonly yes and noeviction (see README)"
  fi
}

ensure_redis() {
  if [ -n "${REDIS_URL:-}" ]; then
    say "using REDIS_URL (not managed here)"
    return
  fi
  if port_open 127.0.0.1 6379; then
    say "Redis ready on 127.0.0.1:6379"
    warn_if_not_durable
    return
  fi
  if ! command -v redis-server >/dev/null 2>&1; then
    apt_install redis-server || die "Redis is not running on 127.0.0.1:6379 and cannot be installed here. Install Redis 6+ (e.g. 'apt-get install redis-server') or set REDIS_URL."
  fi
  say "starting Redis (append-only file, no eviction)"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" "${REDIS_DURABLE_ARGS[@]}" \
    --dir /var/lib/redis --logfile /var/log/redis/trailmark.log
  wait_for_port 127.0.0.1 6379 || die "Redis did not start on 127.0.0.1:6379."
  say "Redis ready on 127.0.0.1:6379"
}

ensure_postgres
ensure_redis
