# Sourced by the .ci scripts that install a Python tool or start the real binary.

# A free TCP port on loopback (the kernel's pick; it is released before the caller binds it).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# python_tool VENV PACKAGE VERSION EXECUTABLE: installs PACKAGE==VERSION into VENV unless
# VENV/bin/EXECUTABLE already reports that version.
python_tool() {
  local venv="$1" package="$2" version="$3" executable="$4"
  if ! "$venv/bin/$executable" --version 2>/dev/null | grep -qF "$version"; then
    echo "installing $package $version into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$package==$version"
  fi
}

# wait_ready BASE_URL PID LOG: waits up to 20 s for BASE_URL/health/ready to answer 200; fails
# with the server's log when the process exits first or the time runs out.
wait_ready() {
  local base="$1" pid="$2" log="$3"
  for _ in $(seq 1 100); do
    if curl -fsS "$base/health/ready" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$log" >&2
      echo "agora did not start" >&2
      return 1
    fi
    sleep 0.2
  done
  curl -fsS "$base/health/ready" >/dev/null || { cat "$log" >&2; return 1; }
}

# stop_process PID: SIGTERM (a graceful shutdown) and wait, when PID is set and alive.
stop_process() {
  local pid="$1"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
}
