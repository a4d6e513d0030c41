#!/usr/bin/env bash
# Makes sure the local services the tests need are installed and running:
# PostgreSQL on 127.0.0.1:5432 (trust auth, user postgres) and nats-server
# with JetStream on 127.0.0.1:4222 (ARCHITECTURE.md §2); and that Debian's
# chromium is installed, for the console's browser test
# (internal/e2e/console_browser_test.go, which fails under CI without it).
# Safe to run twice.
set -euo pipefail

log() { printf 'services: %s\n' "$*"; }
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

apt_updated=0
# installs a Debian package unless it is installed (a package removed but
# not purged, whose status dpkg -s still shows, is not)
need_pkg() {
  if [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" != installed ]; then
    if [ "$apt_updated" -eq 0 ]; then $SUDO apt-get update -qq; apt_updated=1; fi
    log "installing $1"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$1" >/dev/null
  fi
}

# headless Chromium (the browser test drives /usr/bin/chromium)
[ -x /usr/bin/chromium ] || need_pkg chromium

# PostgreSQL
if ! port_open 5432; then
  command -v pg_ctlcluster >/dev/null 2>&1 || need_pkg postgresql
  ver=$(ls /etc/postgresql | sort -V | tail -1)
  hba="/etc/postgresql/$ver/main/pg_hba.conf"
  if [ -f "$hba" ] && ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
    # trust on loopback only, as the tests expect (user postgres, no password)
    $SUDO sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\nlocal all all trust' "$hba"
  fi
  log "starting PostgreSQL $ver"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
fi

# nats-server with JetStream
if ! port_open 4222; then
  [ -x /usr/sbin/nats-server ] || need_pkg nats-server
  $SUDO mkdir -p /var/lib/nats-server
  log "starting nats-server"
  $SUDO start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
fi

for i in $(seq 1 60); do
  if port_open 5432 && port_open 4222; then log "PostgreSQL and NATS are up"; exit 0; fi
  sleep 0.5
done
port_open 5432 || log "PostgreSQL is not answering on 127.0.0.1:5432"
port_open 4222 || log "nats-server is not answering on 127.0.0.1:4222"
exit 1
