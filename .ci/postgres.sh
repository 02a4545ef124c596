#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for tests, as root, on a free loopback port, in a temp directory.
# Source it (". .ci/postgres.sh"); it exports SIP_TEST_POSTGRES_URL and stops the server on exit.
# Needs Debian's postgresql package. (The recipe of ../shared/ci-postgres.sh.)
set -eu
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
PGTMP=$(mktemp -d /tmp/pgtest.XXXXXX)
chown postgres:postgres "$PGTMP"
PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
( cd / && runuser -u postgres -- "$PGBIN/initdb" -D "$PGTMP/data" -U postgres -A trust -E UTF8 \
    --locale=C.UTF-8 --no-sync >/dev/null )
( cd / && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/log" -w -t 30 \
    -o "-p $PGPORT -k $PGTMP -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off" start >/dev/null )
"$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres sip_test
export SIP_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$PGPORT/sip_test"
_sip_pg_stop() { ( cd / && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGTMP/data" -m fast -w stop >/dev/null 2>&1 ); rm -rf "$PGTMP"; }
trap _sip_pg_stop EXIT
set +eu
