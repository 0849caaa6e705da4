#!/usr/bin/env bash
# Runs one Procfile process and starts it again whenever it exits on its own, with backoff.
#
# honcho stops every process when one exits; under this wrapper a crashed drainer or worker
# restarts while the others keep serving. A SIGTERM/SIGINT (honcho's Ctrl-C) stops it for good.
# In production use your supervisor's restart policy instead (systemd Restart=always, k8s).
set -u

stopping=0
child=
trap 'stopping=1; [ -n "$child" ] && kill -TERM "$child" 2>/dev/null' TERM INT

delay=1
while :; do
  started=$SECONDS
  "$@" &
  child=$!
  wait "$child"
  code=$?
  # A trapped signal interrupts `wait`: let the process finish its own shutdown.
  if [ "$stopping" = 1 ]; then
    wait "$child" 2>/dev/null
    exit 0
  fi
  # A process that ran a good while before it stopped starts again from a short backoff.
  if [ $((SECONDS - started)) -ge 60 ]; then delay=1; fi
  echo "[respawn] '$*' exited with status $code; restarting in ${delay}s" >&2
  sleep "$delay" &
  child=$!
  wait "$child"
  [ "$stopping" = 1 ] && exit 0
  child=
  delay=$((delay < 30 ? delay * 2 : 30))
done
