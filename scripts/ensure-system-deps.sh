#!/usr/bin/env bash
# Installs the Debian packages the tests use, when missing: Chromium for the e2e suite, coturn
# (its turnutils_* clients test the built-in TURN relay; turnserver is the benchmark's
# baseline), and iproute2 + iptables for the NAT/firewall matrix built from network namespaces.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/turnutils_uclient ] || missing+=(coturn)
command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || [ -x /sbin/ip ] || missing+=(iproute2)
command -v iptables >/dev/null 2>&1 || [ -x /usr/sbin/iptables ] || missing+=(iptables)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  # policy-rc.d 101 keeps the package's coturn daemon from starting (it would hold 3478).
  if [ -d /usr/sbin ] && [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Whatever started it, no coturn daemon may keep 3478/5349 (or start again at boot).
if [ -x /usr/bin/turnserver ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now coturn >/dev/null 2>&1 || true
  elif [ -x /etc/init.d/coturn ]; then
    $SUDO /etc/init.d/coturn stop >/dev/null 2>&1 || true
    command -v update-rc.d >/dev/null 2>&1 && $SUDO update-rc.d coturn disable >/dev/null 2>&1 || true
  fi
fi
