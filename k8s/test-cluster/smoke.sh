#!/usr/bin/env bash
# Smoke check of the test cluster: starts it, proves that the API server
# validates CRDs (OpenAPI schema and CEL), does server-side apply with field
# ownership, enforces RBAC for a service account token, that helm can talk to it,
# then stops it. Needs curl, jq and openssl.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cluster="$here/cluster.sh"
t_all=$SECONDS

step() { echo "smoke: [$((SECONDS - t_all))s] $*" >&2; }
fail() { echo "smoke: FAILED: $*" >&2; exit 1; }

step "build (skipped when cached)"
t=$SECONDS
"$cluster" build
build_s=$((SECONDS - t))

step "start"
t=$SECONDS
eval "$("$cluster" start)"
start_s=$((SECONDS - t))
trap '"$cluster" stop "$EXOCOM_TEST_CLUSTER_DIR" || true' EXIT

server=$EXOCOM_TEST_CLUSTER_SERVER
ca="$EXOCOM_TEST_CLUSTER_DIR/pki/ca.crt"
token=$(<"$EXOCOM_TEST_CLUSTER_DIR/admin.token")

# api_as TOKEN METHOD PATH [CONTENT-TYPE BODY]: sets $code and $body.
code= body=
api_as() {
  local tok=$1 method=$2 path=$3 ctype=${4:-application/json} data=${5:-}
  local out args=()
  out=$(mktemp)
  [[ -z $data ]] || args=(-H "Content-Type: $ctype" --data-binary "$data")
  code=$(curl -s -o "$out" -w '%{http_code}' --cacert "$ca" -H "Authorization: Bearer $tok" \
    -X "$method" "${args[@]}" "$server$path")
  body=$(<"$out")
  rm -f "$out"
}
api() { api_as "$token" "$@"; }
expect() { [[ $code == "$1" ]] || fail "$2: expected HTTP $1, got $code: $3"; }

step "version (TLS verified against the cluster CA)"
api GET /version
expect 200 version "$body"
git_version=$(jq -r .gitVersion <<<"$body")
echo "smoke: kube-apiserver $git_version" >&2

step "CRD with schema and CEL rule"
crd='{
  "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
  "metadata": {"name": "widgets.smoke.exocom.io"},
  "spec": {
    "group": "smoke.exocom.io", "scope": "Namespaced",
    "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
    "versions": [{
      "name": "v1", "served": true, "storage": true,
      "additionalPrinterColumns": [
        {"name": "Min", "type": "integer", "jsonPath": ".spec.min"},
        {"name": "Max", "type": "integer", "jsonPath": ".spec.max"},
        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}
      ],
      "schema": {"openAPIV3Schema": {
        "type": "object",
        "properties": {"spec": {
          "type": "object", "required": ["min", "max"],
          "properties": {
            "min": {"type": "integer"},
            "max": {"type": "integer"},
            "name": {"type": "string", "pattern": "^[a-z][a-z0-9-]*$"}
          },
          "x-kubernetes-validations": [{"rule": "self.min <= self.max", "message": "min must not exceed max"}]
        }}
      }}
    }]
  }
}'
api POST /apis/apiextensions.k8s.io/v1/customresourcedefinitions application/json "$crd"
expect 201 "create CRD" "$body"
for _ in $(seq 1 100); do
  api GET /apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.smoke.exocom.io
  [[ $(jq -r '.status.conditions[]? | select(.type=="Established") | .status' <<<"$body") == True ]] && break
  sleep 0.2
done
[[ $(jq -r '.status.conditions[]? | select(.type=="Established") | .status' <<<"$body") == True ]] ||
  fail "CRD not established"
# discovery catches up a moment after Established
for _ in $(seq 1 100); do
  api GET /apis/smoke.exocom.io/v1
  [[ $code == 200 ]] && break
  sleep 0.2
done

widgets=/apis/smoke.exocom.io/v1/namespaces/default/widgets
api POST "$widgets" application/json \
  '{"apiVersion":"smoke.exocom.io/v1","kind":"Widget","metadata":{"name":"bad"},"spec":{"min":5,"max":1}}'
expect 422 "CEL rule must reject min > max" "$body"
grep -q "min must not exceed max" <<<"$body" || fail "CEL rejection without the rule's message: $body"
step "  invalid object rejected by the CEL rule (422)"

api POST "$widgets" application/json \
  '{"apiVersion":"smoke.exocom.io/v1","kind":"Widget","metadata":{"name":"bad2"},"spec":{"min":1}}'
expect 422 "schema must reject a missing required field" "$body"
api POST "$widgets" application/json \
  '{"apiVersion":"smoke.exocom.io/v1","kind":"Widget","metadata":{"name":"bad3"},"spec":{"min":1,"max":2,"name":"Not Valid"}}'
expect 422 "schema must reject a name not matching the pattern" "$body"
step "  missing required field and pattern violation rejected (422)"

api POST "$widgets" application/json \
  '{"apiVersion":"smoke.exocom.io/v1","kind":"Widget","metadata":{"name":"good"},"spec":{"min":1,"max":5}}'
expect 201 "valid object" "$body"
step "  valid object accepted (201)"

# Printer columns, as kubectl get asks for them (server-side Table).
out=$(mktemp)
code=$(curl -s -o "$out" -w '%{http_code}' --cacert "$ca" -H "Authorization: Bearer $token" \
  -H 'Accept: application/json;as=Table;v=v1;g=meta.k8s.io' "$server$widgets")
body=$(<"$out")
rm -f "$out"
expect 200 "table of widgets" "$body"
columns=$(jq -r '[.columnDefinitions[].name] | join(",")' <<<"$body")
row=$(jq -r '.rows[0].cells | map(tostring) | join(",")' <<<"$body")
[[ $columns == Name,Min,Max,Age && $row == good,1,5,* ]] || fail "table columns $columns, row $row"
step "  printer columns served: $columns"
kubectl="$EXOCOM_TEST_CLUSTER_BIN/kubectl"
if [[ -x $kubectl ]]; then
  "$kubectl" get widgets >&2
  "$kubectl" get widgets | grep -Eq '^good +1 +5 ' || fail "kubectl get widgets"
  step "  kubectl get widgets shows them"
fi

step "server-side apply with two field managers"
deploy=/apis/apps/v1/namespaces/default/deployments/web
apply_a='apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: example.invalid/web:1
        env:
        - {name: USER_SETTING, value: "from-user"}'
api PATCH "$deploy?fieldManager=user" application/apply-patch+yaml "$apply_a"
expect 201 "SSA create by manager user" "$body"

# A second manager owns only the env var and an annotation it adds.
apply_b='apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
      annotations: {exocom.io/config-hash: "abc"}
    spec:
      containers:
      - name: web
        env:
        - {name: EXOCOM_HOST, value: "exocom.default.svc"}'
api PATCH "$deploy?fieldManager=exocom-operator" application/apply-patch+yaml "$apply_b"
expect 200 "SSA by manager exocom-operator" "$body"
envs=$(jq -r '[.spec.template.spec.containers[0].env[].name] | join(",")' <<<"$body")
[[ $envs == USER_SETTING,EXOCOM_HOST || $envs == EXOCOM_HOST,USER_SETTING ]] || fail "merged env is $envs"
[[ $(jq -r '.spec.template.metadata.annotations["exocom.io/config-hash"]' <<<"$body") == abc ]] ||
  fail "annotation not applied"
managers=$(jq -r '[.metadata.managedFields[] | select(.operation=="Apply") | .manager] | sort | join(",")' <<<"$body")
[[ $managers == exocom-operator,user ]] || fail "managedFields managers are $managers"
step "  both managers' fields merged; managedFields lists exocom-operator and user"

# Changing a field another manager owns is a conflict ...
conflict='apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3'
api PATCH "$deploy?fieldManager=exocom-operator" application/apply-patch+yaml "$conflict"
expect 409 "SSA conflict on replicas owned by user" "$body"
step "  conflicting apply rejected (409)"

# ... and dropping a field from one's own apply removes only that field.
apply_b2='apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web'
api PATCH "$deploy?fieldManager=exocom-operator" application/apply-patch+yaml "$apply_b2"
expect 200 "SSA removing own fields" "$body"
envs=$(jq -r '[.spec.template.spec.containers[0].env[]?.name] | join(",")' <<<"$body")
[[ $envs == USER_SETTING ]] || fail "after removal env is $envs"
[[ $(jq -r '.spec.template.metadata.annotations["exocom.io/config-hash"] // "none"' <<<"$body") == none ]] ||
  fail "annotation not removed"
step "  re-apply without its fields removed exactly those fields"

step "RBAC for a service account token (TokenRequest)"
api POST /api/v1/namespaces/default/serviceaccounts application/json \
  '{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"smoke"}}'
expect 201 "create ServiceAccount" "$body"
api POST /api/v1/namespaces/default/serviceaccounts/smoke/token application/json \
  '{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"expirationSeconds":600}}'
expect 201 "TokenRequest" "$body"
sa_token=$(jq -r .status.token <<<"$body")
api_as "$sa_token" GET /apis/apps/v1/namespaces/default/deployments
expect 403 "service account without a role" "$body"
api POST /apis/rbac.authorization.k8s.io/v1/namespaces/default/roles application/json \
  '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"smoke"},
    "rules":[{"apiGroups":["apps"],"resources":["deployments"],"verbs":["get","list"]}]}'
expect 201 "create Role" "$body"
api POST /apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings application/json \
  '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"smoke"},
    "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"smoke"},
    "subjects":[{"kind":"ServiceAccount","name":"smoke","namespace":"default"}]}'
expect 201 "create RoleBinding" "$body"
api_as "$sa_token" GET /apis/apps/v1/namespaces/default/deployments
expect 200 "service account with a role" "$body"
api_as "$sa_token" DELETE /apis/apps/v1/namespaces/default/deployments/web
expect 403 "service account deleting without the verb" "$body"
step "  403 without a role, 200 with get/list, 403 for delete"

helm="$EXOCOM_TEST_CLUSTER_BIN/helm"
if [[ -x $helm ]]; then
  step "helm create / lint / template / install / uninstall against the cluster"
  work=$(mktemp -d)
  (
    cd "$work"
    export HELM_CACHE_HOME="$work/cache" HELM_CONFIG_HOME="$work/config" HELM_DATA_HOME="$work/data"
    "$helm" version --short
    "$helm" create smokechart >/dev/null
    "$helm" lint smokechart >/dev/null
    "$helm" template smoke smokechart >/dev/null
    "$helm" install smoke smokechart --namespace default >/dev/null
    "$helm" list --namespace default | grep -q '^smoke' || { echo "release not listed" >&2; exit 1; }
    "$helm" uninstall smoke --namespace default >/dev/null
  ) >&2 || { rm -rf "$work"; fail "helm"; }
  rm -rf "$work"
  step "  helm release installed and uninstalled"
else
  step "helm not built; skipped"
fi

step "stop"
dir=$EXOCOM_TEST_CLUSTER_DIR
pids=$(cat "$dir"/*.pid)
trap - EXIT
t=$SECONDS
"$cluster" stop "$dir"
stop_s=$((SECONDS - t))
for pid in $pids; do
  ! kill -0 "$pid" 2>/dev/null || fail "process $pid still runs after stop"
done
[[ ! -e $dir ]] || fail "$dir still exists after stop"

echo "smoke: OK ($git_version) build ${build_s}s, start ${start_s}s, stop ${stop_s}s, total $((SECONDS - t_all))s" >&2
