#!/usr/bin/env sh
# Finds a Chromium for the browser tests, or installs Debian's where it can.
#
#   scripts/find-chromium.sh          prints the browser's path (exit 0), or why there is none
#                                     on stderr (exit 1)
#   CHROMIUM_PATH=/path/to/chrome     use this one (it must be executable)
#   RAPPORT_NO_CHROMIUM_INSTALL=1     look only; never install
#
# Installs the `chromium` package with apt-get when running as root on a system that has it
# (as .ci/run does for dovecot). Playwright's own browser download is not used: it fetches a
# build from outside the package registries, which this project's machines do not reach.
# Two test processes asking at once take turns on a lock instead of racing apt.
set -u

found() {
  for c in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser /usr/lib/chromium/chromium \
    /usr/bin/google-chrome /usr/bin/google-chrome-stable; do
    if [ -n "$c" ] && [ -x "$c" ]; then
      echo "$c"
      return 0
    fi
  done
  for name in chromium chromium-browser google-chrome; do
    p=$(command -v "$name" 2>/dev/null) && [ -n "$p" ] && {
      echo "$p"
      return 0
    }
  done
  return 1
}

if [ -n "${CHROMIUM_PATH:-}" ] && [ ! -x "$CHROMIUM_PATH" ]; then
  echo "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file" >&2
  exit 1
fi
found && exit 0

if [ -n "${RAPPORT_NO_CHROMIUM_INSTALL:-}" ]; then
  echo "no Chromium found (RAPPORT_NO_CHROMIUM_INSTALL is set, so none was installed; Debian/Ubuntu: apt-get install -y chromium, or set CHROMIUM_PATH)" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "no Chromium found, and installing one needs root (Debian/Ubuntu: sudo apt-get install -y chromium, or set CHROMIUM_PATH)" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "no Chromium found, and no apt-get to install Debian's (install Chromium and set CHROMIUM_PATH)" >&2
  exit 1
fi

install() {
  # Found meanwhile by whoever held the lock before us.
  found >/dev/null && return 0
  echo "installing Debian's chromium for the browser tests (once per machine)..." >&2
  apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1
}

lock=/tmp/rapport-chromium-install.lock
if command -v flock >/dev/null 2>&1; then
  (
    flock 9
    install
  ) 9>"$lock"
else
  install
fi
if found; then exit 0; fi
echo "no Chromium found, and apt-get install chromium failed (is Debian's package repository reachable?)" >&2
exit 1
