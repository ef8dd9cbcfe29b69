# Local stand-ins for MongoDB (SecantusDB) and AWS (moto), installed when missing and started on
# free loopback ports. Sourced by scripts/test and scripts/demo; not meant to be run directly.
#
#   IP_MONGO_SERVER=rs|py   which SecantusDB server to use (default rs: fast, but a 5-8 min build
#                           the first time; py installs in seconds and runs 8-30x slower)

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS="$ROOT/.tools"
VENV="$TOOLS/venv"
MOTO_VERSION="5.2.5"
PARLIAMENT_VERSION="1.6.4"
SECANTUS_RS_VERSION="0.5.3-beta.196"
SECANTUS_PY_VERSION="0.7.0b3"
SERVER_PIDS=()

log() { printf '==> %s\n' "$*" >&2; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# A free TCP port on 127.0.0.1.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

ensure_venv() {
  [ -x "$VENV/bin/python" ] || { log "creating $VENV"; python3 -m venv "$VENV"; }
}

ensure_moto() {
  ensure_venv
  if ! "$VENV/bin/python" -c "import moto, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
    log "installing moto[server]==$MOTO_VERSION"
    "$VENV/bin/pip" install -q "moto[server]==$MOTO_VERSION" boto3
  fi
  export IP_TEST_MOTO_SERVER="$VENV/bin/moto_server"
  ensure_parliament
}

# parliament lints the IAM policies `infra apply` writes (tests/infra/parliament.rs).
ensure_parliament() {
  ensure_venv
  if ! "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('parliament') != '$PARLIAMENT_VERSION')" 2>/dev/null; then
    log "installing parliament==$PARLIAMENT_VERSION"
    "$VENV/bin/pip" install -q "parliament==$PARLIAMENT_VERSION"
  fi
  export IP_TEST_PARLIAMENT="$VENV/bin/parliament"
}

ensure_mongo() {
  case "${IP_MONGO_SERVER:-rs}" in
    rs)
      if ! command -v secantusd-rs >/dev/null 2>&1; then
        if ! command -v cmake >/dev/null 2>&1; then
          log "installing cmake (needed to build secantusd-rs)"
          as_root apt-get update -qq && as_root apt-get install -y -qq cmake >/dev/null
        fi
        log "building secantusd-rs $SECANTUS_RS_VERSION (5-8 minutes, once)"
        cargo install secantus-mdb --version "$SECANTUS_RS_VERSION" --locked --ignore-rust-version --quiet
      fi
      MONGO_BIN=$(command -v secantusd-rs || echo "$HOME/.cargo/bin/secantusd-rs")
      ;;
    py)
      ensure_venv
      [ -x "$VENV/bin/secantusd-py" ] || { log "installing SecantusDB==$SECANTUS_PY_VERSION"; "$VENV/bin/pip" install -q "SecantusDB==$SECANTUS_PY_VERSION"; }
      MONGO_BIN="$VENV/bin/secantusd-py"
      ;;
    *) echo "IP_MONGO_SERVER must be rs or py" >&2; return 2 ;;
  esac
}

wait_port() { # PORT NAME PID LOG
  for _ in $(seq 1 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    if ! kill -0 "$3" 2>/dev/null; then echo "$2 exited; its log:" >&2; cat "$4" >&2; return 1; fi
    sleep 0.1
  done
  echo "$2 did not listen on port $1 within 30 s; its log:" >&2; cat "$4" >&2; return 1
}

# start_mongo DIR: starts the server on a free port with its data in DIR; sets MONGO_URI.
start_mongo() {
  local dir=$1 port; port=$(free_port)
  mkdir -p "$dir"
  if [ "${IP_MONGO_SERVER:-rs}" = py ]; then
    "$MONGO_BIN" --host 127.0.0.1 --port "$port" --storage-path "$dir" >"$dir.log" 2>&1 &
  else
    "$MONGO_BIN" --port "$port" --storage-path "$dir" >"$dir.log" 2>&1 &
  fi
  local pid=$!
  SERVER_PIDS+=("$pid")
  wait_port "$port" "MongoDB-wire server" "$pid" "$dir.log"
  MONGO_URI="mongodb://127.0.0.1:$port/?directConnection=true"
  log "MongoDB-wire server ($(basename "$MONGO_BIN")) on $MONGO_URI"
}

# start_moto LOG: starts moto on a free port; sets MOTO_ENDPOINT.
start_moto() {
  local logf=$1 port; port=$(free_port)
  "$IP_TEST_MOTO_SERVER" -H 127.0.0.1 -p "$port" >"$logf" 2>&1 &
  local pid=$!
  SERVER_PIDS+=("$pid")
  wait_port "$port" "moto_server" "$pid" "$logf"
  MOTO_ENDPOINT="http://127.0.0.1:$port"
  log "moto (AWS stand-in) on $MOTO_ENDPOINT"
}

stop_servers() {
  for pid in "${SERVER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${SERVER_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
