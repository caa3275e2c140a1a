#!/usr/bin/env bash
# Test cluster for ExoCom: a real kube-apiserver + etcd on loopback, and helm.
# Everything is built from Go modules (no container engine, no downloads of
# release binaries). See README.md next to this script.
#
#   cluster.sh build [NAME...]  build etcd, kube-apiserver, helm once into the
#                               cache (kubectl only when named)
#   cluster.sh start [DIR]      start etcd + kube-apiserver, print export lines
#   cluster.sh env   [DIR]      print the export lines again
#   cluster.sh stop  [DIR]      stop what start started, remove DIR
#   cluster.sh bin              print the directory holding the binaries
set -euo pipefail

# ---- pinned versions ---------------------------------------------------------
KUBERNETES_VERSION=v1.34.4      # k8s.io/kubernetes (kube-apiserver)
KUBERNETES_STAGING_VERSION=v0.34.4  # matching k8s.io/<staging> module releases
ETCD_VERSION=v3.6.16            # go.etcd.io/etcd/server/v3
HELM_VERSION=v3.21.4            # helm.sh/helm/v3

VERSIONS_KEY="k8s-${KUBERNETES_VERSION}_etcd-${ETCD_VERSION}_helm-${HELM_VERSION}"
CACHE_ROOT="${EXOCOM_CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/exocom-test-cluster}"
CACHE_DIR="$CACHE_ROOT/$VERSIONS_KEY"
BIN_DIR="$CACHE_DIR/bin"
SRC_DIR="$CACHE_DIR/src"

# How long start waits for the API server to become ready.
READY_TIMEOUT="${EXOCOM_CLUSTER_READY_TIMEOUT:-180}"

log() { echo "cluster.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

# ---- build -------------------------------------------------------------------

go_env() {
  export GOFLAGS=-trimpath CGO_ENABLED=0 GOWORK=off
  export GOMAXPROCS="${GOMAXPROCS:-2}"
}

# new_module DIR: a throw-away module to resolve and build a released command.
new_module() {
  local dir=$1
  rm -rf "$dir"
  mkdir -p "$dir"
  printf 'module exocom.test/cluster-build\n\ngo 1.24.0\n' >"$dir/go.mod"
}

# timed NAME CMD...: runs CMD and reports how long it took.
timed() {
  local name=$1 start end
  shift
  start=$(date +%s)
  "$@"
  end=$(date +%s)
  log "built $name in $((end - start))s"
}

# build_kubernetes_cmd NAME: builds k8s.io/kubernetes/cmd/NAME.
build_kubernetes_cmd() {
  local cmd=$1 dir="$SRC_DIR/kubernetes-$1" gomod staging
  new_module "$dir"
  # k8s.io/kubernetes points its staging modules (k8s.io/api, k8s.io/apiserver,
  # ...) at ./staging with v0.0.0 requirements; replace each with its release.
  gomod=$(cd "$dir" && go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" |
    sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')
  [[ -n $gomod && -f $gomod ]] || die "cannot download k8s.io/kubernetes@$KUBERNETES_VERSION"
  staging=$(sed -n 's#^[[:space:]]*\(k8s\.io/[A-Za-z0-9._-]*\) => \./staging/.*#\1#p' "$gomod" | sort -u)
  [[ -n $staging ]] || die "no staging replaces found in $gomod"
  (
    cd "$dir"
    local m
    for m in $staging; do
      go mod edit -replace "$m=$m@$KUBERNETES_STAGING_VERSION"
    done
    go get "k8s.io/kubernetes/cmd/$cmd@$KUBERNETES_VERSION"
    local minor=${KUBERNETES_VERSION#v1.}
    minor=${minor%%.*}
    local v ldflags="-s -w"
    for v in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ldflags+=" -X $v.gitVersion=$KUBERNETES_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$minor -X $v.gitTreeState=clean"
    done
    go build -p 2 -o "$BIN_DIR/$cmd.tmp" -ldflags "$ldflags" \
      "k8s.io/kubernetes/cmd/$cmd"
  )
  mv "$BIN_DIR/$cmd.tmp" "$BIN_DIR/$cmd"
}

build_etcd() {
  local dir="$SRC_DIR/etcd"
  new_module "$dir"
  (
    cd "$dir"
    go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
    go build -p 2 -o "$BIN_DIR/etcd.tmp" -ldflags "-s -w" go.etcd.io/etcd/server/v3
  )
  mv "$BIN_DIR/etcd.tmp" "$BIN_DIR/etcd"
}

build_helm() {
  local dir="$SRC_DIR/helm"
  new_module "$dir"
  (
    cd "$dir"
    go get "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
    local v=helm.sh/helm/v3/internal/version
    go build -p 2 -o "$BIN_DIR/helm.tmp" \
      -ldflags "-s -w -X $v.version=$HELM_VERSION -X $v.gitTreeState=clean" \
      helm.sh/helm/v3/cmd/helm
  )
  mv "$BIN_DIR/helm.tmp" "$BIN_DIR/helm"
}

cmd_build() {
  command -v go >/dev/null || die "go is not on PATH"
  go_env
  mkdir -p "$BIN_DIR" "$SRC_DIR"
  # One build at a time per cache (parallel test runs may all call build).
  exec 9>"$CACHE_DIR/build.lock"
  if ! flock -n 9; then
    log "another build holds $CACHE_DIR/build.lock; waiting"
    flock 9
  fi
  local name wanted=("$@")
  ((${#wanted[@]})) || wanted=(etcd kube-apiserver helm)
  for name in "${wanted[@]}"; do
    if [[ -x "$BIN_DIR/$name" ]]; then
      log "$name already built ($BIN_DIR/$name)"
      continue
    fi
    log "building $name ..."
    case $name in
      kube-apiserver | kubectl) timed "$name" build_kubernetes_cmd "$name" ;;
      etcd) timed etcd build_etcd ;;
      helm) timed helm build_helm ;;
      *) die "unknown binary: $name" ;;
    esac
  done
  flock -u 9
  exec 9>&-
  log "binaries in $BIN_DIR"
}


# ---- start / stop ----------------------------------------------------------------

MARKER=.exocom-test-cluster

# free_port: a TCP port on 127.0.0.1 that nothing listens on right now and that
# this start has not handed out yet.
TAKEN_PORTS=" "
free_port() {
  local port i
  for i in $(seq 1 200); do
    port=$((20000 + RANDOM % 40000))
    [[ $TAKEN_PORTS == *" $port "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      TAKEN_PORTS+="$port "
      echo "$port"
      return 0
    fi
  done
  die "no free port found on 127.0.0.1"
}

# pid_alive DIR NAME: the process recorded as NAME in DIR still runs, and is ours
# (its command line mentions DIR, so a recycled PID is never mistaken for it).
pid_alive() {
  local dir=$1 name=$2 pid
  [[ -f "$dir/$name.pid" ]] || return 1
  pid=$(<"$dir/$name.pid")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  [[ -r /proc/$pid/cmdline ]] || return 0
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$dir/" || return 1
}

stop_process() {
  local dir=$1 name=$2 pid i
  pid_alive "$dir" "$name" || { rm -f "$dir/$name.pid"; return 0; }
  pid=$(<"$dir/$name.pid")
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name (pid $pid) did not stop on SIGTERM, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$dir/$name.pid"
}

# spawn DIR NAME CMD...: runs CMD detached (own session, output to DIR/NAME.log),
# records its PID in DIR/NAME.pid.
spawn() {
  local dir=$1 name=$2
  shift 2
  setsid "$@" </dev/null >"$dir/$name.log" 2>&1 &
  echo $! >"$dir/$name.pid"
}

make_pki() {
  local pki=$1
  mkdir -p "$pki"
  (
    cd "$pki"
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -keyout ca.key -out ca.crt \
      -subj "/CN=exocom-test-cluster-ca" -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
      -subj "/CN=kube-apiserver" 2>/dev/null
    printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=serverAuth" \
      "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local" \
      >server.ext
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 \
      -extfile server.ext -out server.crt 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    rm -f server.csr server.ext ca.srl
  )
  chmod 600 "$pki"/*.key
}

write_kubeconfig() {
  local dir=$1 port=$2 token=$3
  local ca
  ca=$(base64 -w0 <"$dir/pki/ca.crt")
  cat >"$dir/kubeconfig" <<KCFG
apiVersion: v1
kind: Config
clusters:
- name: exocom-test
  cluster:
    server: https://127.0.0.1:$port
    certificate-authority-data: $ca
users:
- name: exocom-test-admin
  user:
    token: $token
contexts:
- name: exocom-test
  context:
    cluster: exocom-test
    user: exocom-test-admin
    namespace: default
current-context: exocom-test
KCFG
  chmod 600 "$dir/kubeconfig"
}

# print_env DIR: the lines a caller evals.
print_env() {
  local dir=$1
  [[ -f "$dir/env" ]] || die "$dir holds no test cluster (no env file)"
  cat "$dir/env"
}

# readyz DIR: 0 when the API server answers /readyz with ok.
readyz() {
  local dir=$1 port token
  port=$(<"$dir/apiserver.port")
  token=$(<"$dir/admin.token")
  [[ $(curl -s --max-time 5 --cacert "$dir/pki/ca.crt" -H "Authorization: Bearer $token" \
    "https://127.0.0.1:$port/readyz" 2>/dev/null) == ok ]]
}

# start_processes DIR: one attempt at starting etcd and kube-apiserver on fresh
# ports. Returns 1 if a process died before the API server became ready.
start_processes() {
  local dir=$1 etcd_port peer_port api_port token i
  etcd_port=$(free_port)
  peer_port=$(free_port)
  api_port=$(free_port)
  token=$(<"$dir/admin.token")
  echo "$api_port" >"$dir/apiserver.port"
  echo "$etcd_port" >"$dir/etcd.port"
  rm -rf "$dir/etcd-data"

  spawn "$dir" etcd "$BIN_DIR/etcd" \
    --name=exocom-test \
    --data-dir="$dir/etcd-data" \
    --listen-client-urls="http://127.0.0.1:$etcd_port" \
    --advertise-client-urls="http://127.0.0.1:$etcd_port" \
    --listen-peer-urls="http://127.0.0.1:$peer_port" \
    --initial-advertise-peer-urls="http://127.0.0.1:$peer_port" \
    --initial-cluster="exocom-test=http://127.0.0.1:$peer_port" \
    --initial-cluster-state=new \
    --unsafe-no-fsync=true \
    --quota-backend-bytes=2147483648 \
    --log-level=warn

  for i in $(seq 1 300); do
    curl -s --max-time 2 "http://127.0.0.1:$etcd_port/health" 2>/dev/null | grep -q '"health":"true"' && break
    pid_alive "$dir" etcd || { log "etcd exited:"; tail -n 20 "$dir/etcd.log" >&2; return 1; }
    sleep 0.2
  done

  spawn "$dir" kube-apiserver "$BIN_DIR/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$etcd_port" \
    --etcd-prefix=/registry \
    --bind-address=127.0.0.1 \
    --advertise-address=127.0.0.1 \
    --secure-port="$api_port" \
    --endpoint-reconciler-type=none \
    --tls-cert-file="$dir/pki/server.crt" \
    --tls-private-key-file="$dir/pki/server.key" \
    --client-ca-file="$dir/pki/ca.crt" \
    --cert-dir="$dir/pki" \
    --token-auth-file="$dir/tokens.csv" \
    --service-account-key-file="$dir/pki/sa.pub" \
    --service-account-signing-key-file="$dir/pki/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range=10.96.0.0/16 \
    --authorization-mode=RBAC \
    --disable-admission-plugins=ServiceAccount \
    --allow-privileged=true \
    --profiling=false \
    --v=1

  local deadline=$((SECONDS + READY_TIMEOUT))
  while ((SECONDS < deadline)); do
    readyz "$dir" && return 0
    pid_alive "$dir" etcd || { log "etcd exited:"; tail -n 20 "$dir/etcd.log" >&2; return 1; }
    pid_alive "$dir" kube-apiserver || { log "kube-apiserver exited:"; tail -n 20 "$dir/kube-apiserver.log" >&2; return 1; }
    sleep 0.5
  done
  log "kube-apiserver not ready after ${READY_TIMEOUT}s; last log lines:"
  tail -n 20 "$dir/kube-apiserver.log" >&2
  return 1
}

cmd_start() {
  local dir=${1:-} t0=$SECONDS attempt token
  [[ -x "$BIN_DIR/etcd" && -x "$BIN_DIR/kube-apiserver" ]] || (cmd_build etcd kube-apiserver) >&2
  if [[ -n $dir ]]; then
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if pid_alive "$dir" etcd || pid_alive "$dir" kube-apiserver; then
      die "a test cluster already runs in $dir (cluster.sh stop $dir)"
    fi
    [[ -z $(ls -A "$dir") || -f "$dir/$MARKER" ]] || die "$dir is not empty and holds no test cluster"
  else
    dir=$(mktemp -d "${TMPDIR:-/tmp}/exocom-test-cluster.XXXXXX")
  fi
  touch "$dir/$MARKER"
  make_pki "$dir/pki"
  token=$(openssl rand -hex 24)
  echo "$token" >"$dir/admin.token"
  chmod 600 "$dir/admin.token"
  # token,user,uid,"groups"
  echo "$token,exocom-test-admin,exocom-test-admin,\"system:masters\"" >"$dir/tokens.csv"
  chmod 600 "$dir/tokens.csv"

  for attempt in 1 2 3; do
    if start_processes "$dir"; then
      write_kubeconfig "$dir" "$(<"$dir/apiserver.port")" "$token"
      {
        printf 'export KUBECONFIG=%q\n' "$dir/kubeconfig"
        printf 'export EXOCOM_TEST_CLUSTER_DIR=%q\n' "$dir"
        printf 'export EXOCOM_TEST_CLUSTER_SERVER=%q\n' "https://127.0.0.1:$(<"$dir/apiserver.port")"
        printf 'export EXOCOM_TEST_CLUSTER_BIN=%q\n' "$BIN_DIR"
      } >"$dir/env"
      log "cluster ready in $((SECONDS - t0))s: https://127.0.0.1:$(<"$dir/apiserver.port") (data in $dir)"
      print_env "$dir"
      return 0
    fi
    stop_process "$dir" kube-apiserver
    stop_process "$dir" etcd
    log "start attempt $attempt failed"
  done
  log "giving up; logs kept in $dir"
  exit 1
}

resolve_dir() {
  local dir=${1:-${EXOCOM_TEST_CLUSTER_DIR:-}}
  [[ -n $dir ]] || die "no cluster directory given and EXOCOM_TEST_CLUSTER_DIR is not set"
  [[ -d $dir ]] || die "$dir does not exist"
  dir=$(cd "$dir" && pwd)
  [[ -f "$dir/$MARKER" ]] || die "$dir holds no test cluster"
  echo "$dir"
}

cmd_stop() {
  local dir=${1:-${EXOCOM_TEST_CLUSTER_DIR:-}}
  if [[ -n $dir && ! -e $dir ]]; then
    log "$dir does not exist; nothing to stop"
    return 0
  fi
  dir=$(resolve_dir "$dir")
  stop_process "$dir" kube-apiserver
  stop_process "$dir" etcd
  if [[ ${EXOCOM_CLUSTER_KEEP_DIR:-} == 1 ]]; then
    log "stopped; kept $dir"
  else
    rm -rf "$dir"
    log "stopped; removed $dir"
  fi
}

cmd_env() {
  local dir
  dir=$(resolve_dir "${1:-}")
  print_env "$dir"
}

# ---- main ----------------------------------------------------------------------
main() {
  local cmd=${1:-}
  shift || true
  case $cmd in
    build) cmd_build "$@" ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    env) cmd_env "$@" ;;
    bin) echo "$BIN_DIR" ;;
    *) die "usage: $0 build [NAME...] | start [DIR] | env [DIR] | stop [DIR] | bin" ;;
  esac
}

main "$@"
