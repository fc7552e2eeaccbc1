#!/usr/bin/env bash
# The whole story on loopback: the issuer (`jot serve --demo`), two independent resource services verifying its
# tokens through its JWKS, logins, service tokens (client credentials; photo-service calling pangolin-service with a
# token of its own), calls, a key rotation, calls again, the issuer stopped, calls again — the
# documented serverless-auth sample, and an HS256 issuer whose shared secret a resource service holds. Exits non-zero on the first unexpected status, saying what was expected.
#
#   Examples/demo.sh              # builds with `swift build`, then runs
#   Examples/demo.sh --no-build   # uses the binaries already built in .build/debug
#   Examples/demo.sh --tls        # the issuer and the resource services on HTTPS (a CA made with openssl, trusted
#                                 # through --jwks-ca-file and curl's CURL_CA_BUNDLE)
#
# Needs: bash, curl, python3 (free ports and JSON), openssl for --tls. Every process it starts is stopped on exit.
set -euo pipefail

cd "$(dirname "$0")/.."

build=1
tls=0
for argument in "$@"; do
    case "$argument" in
        --no-build) build=0 ;;
        --tls) tls=1 ;;
        -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "demo.sh: unknown argument '$argument' (try --help)" >&2; exit 2 ;;
    esac
done

if [[ $build == 1 ]]; then
    echo "==> swift build"
    swift build
fi
bin="$(swift build --show-bin-path)"
for tool in jot pangolin-service photo-service serverless-auth; do
    [[ -x "$bin/$tool" ]] || { echo "demo.sh: $bin/$tool is missing; run swift build (or drop --no-build)" >&2; exit 1; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/jot-demo.XXXXXX")"
pids=()
failed=1
checks=0

cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [[ $failed == 1 ]]; then
        echo
        echo "---- logs (last 20 lines each) ----"
        local log
        for log in "$work"/*.log; do
            [[ -f "$log" ]] || continue
            echo "== $(basename "$log")"
            tail -n 20 "$log"
        done
    fi
    rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start NAME COMMAND... — runs in the background, logging to $work/NAME.log.
start() {
    local name="$1"
    shift
    "$@" >"$work/$name.log" 2>&1 &
    pids+=("$!")
    eval "pid_${name//-/_}=$!"
}

# wait_ready NAME URL — polls URL until it answers 200, for at most 60 s, while the process lives.
wait_ready() {
    local name="$1" url="$2" pid_var="pid_${1//-/_}" deadline=$((SECONDS + 60))
    until curl -fsS -o /dev/null "$url" 2>/dev/null; do
        kill -0 "${!pid_var}" 2>/dev/null || fail "$name exited while starting (see its log below)"
        ((SECONDS < deadline)) || fail "$name did not answer $url within 60 s"
        sleep 0.2
    done
    echo "    $name ready at ${url%/healthz}"
}

# expect STATUS LABEL CURL-ARGS... — one request; its body is left in $work/body.
expect() {
    local expected="$1" label="$2"
    shift 2
    local status
    status="$(curl -sS -o "$work/body" -D "$work/headers" -w '%{http_code}' "$@")" || status="curl failed ($?)"
    checks=$((checks + 1))
    if [[ "$status" != "$expected" ]]; then
        echo "FAIL: $label: expected HTTP $expected, got $status" >&2
        echo "  body: $(head -c 500 "$work/body" 2>/dev/null)" >&2
        exit 1
    fi
    printf '    ok   %-58s %s\n' "$label" "$status"
}

# expect_header NAME SUBSTRING — checks a header of the last answer.
expect_header() {
    local value
    value="$(grep -i "^$1:" "$work/headers" | head -n 1 | cut -d' ' -f2- | tr -d '\r')" || true
    checks=$((checks + 1))
    [[ "$value" == *"$2"* ]] || fail "expected header $1 to contain '$2', got '$value'"
    printf '    ok   %-58s\n' "$1: $value"
}

# expect_body PYTHON-EXPR LABEL — checks the last JSON body (`b`) with a Python expression.
expect_body() {
    checks=$((checks + 1))
    python3 -c "import json, sys; b = json.load(open(sys.argv[1])); sys.exit(0 if ($1) else 1)" "$work/body" \
        || fail "$2: body $(head -c 300 "$work/body") does not satisfy: $1"
    printf '    ok   %-58s\n' "$2"
}

json_field() {
    python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$work/body" "$1"
}

token_kid() {
    python3 -c 'import base64, json, sys; h = sys.argv[1].split(".")[0]; print(json.loads(base64.urlsafe_b64decode(h + "=" * (-len(h) % 4))).get("kid", ""))' "$1"
}

# login URL USER PASSWORD [AUDIENCE-JSON] — prints the token. Without an audience the issuer's default (its first
# --audience) is in the token; AUDIENCE-JSON is a JSON string or array, e.g. '["pangolin-service","photo-service"]'.
login() {
    local audience=""
    [[ $# -ge 4 ]] && audience=",\"audience\":$4"
    expect 200 "login $2 at $1" -X POST "$1/sessions" -H 'Content-Type: application/json' \
        -d "{\"username\":\"$2\",\"password\":\"$3\"$audience}" >&2
    json_field token
}

# client_token URL CLIENT SECRET [FORM...] — a client_credentials token from POST /oauth/token (HTTP Basic).
client_token() {
    local url="$1" client="$2" secret="$3"
    shift 3
    expect 200 "client_credentials token for $client" -X POST "$url/oauth/token" -u "$client:$secret" \
        -d grant_type=client_credentials "$@" >&2
    json_field access_token
}

issuer_port="$(free_port)"
pangolin_port="$(free_port)"
photo_port="$(free_port)"
serverless_port="$(free_port)"
# --tls: the issuer and both resource services on HTTPS, with a CA made here that curl and the verifiers trust.
scheme=http tls_flags=() ca_flags=()
if [[ $tls == 1 ]]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=Jot demo CA" \
        -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=jot demo" \
        -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
    openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 1 \
        -extfile <(printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n') -out "$work/server.crt" 2>/dev/null
    chmod 600 "$work/server.key"
    export CURL_CA_BUNDLE="$work/ca.pem"
    scheme=https tls_flags=(--tls-certificate "$work/server.crt" --tls-key "$work/server.key") ca_flags=(--jwks-ca-file "$work/ca.pem")
fi
issuer="$scheme://127.0.0.1:$issuer_port"
pangolins="$scheme://127.0.0.1:$pangolin_port"
photos="$scheme://127.0.0.1:$photo_port"
keys="$work/keys"
database="$work/users.sqlite"

echo "==> 1. The issuer (jot serve --demo) and a photo user"
printf 'Ansel-password-1\n' | "$bin/jot" users add Ansel --scopes photos:read --password-stdin \
    --keys "$keys" --database "$database" --bcrypt-cost 4 >/dev/null
# Two OAuth clients: photo-service calls pangolin-service with a token of its own; "reporting" is a batch job.
"$bin/jot" clients add photo-service --scopes pangolins --audience pangolin-service --keys "$keys" --database "$database" \
    2>/dev/null | sed -n 's/^client_secret: //p' >"$work/photo-service.secret"
"$bin/jot" clients add reporting --scopes pangolins --audience pangolin-service --audience photo-service \
    --keys "$keys" --database "$database" 2>/dev/null | sed -n 's/^client_secret: //p' >"$work/reporting.secret"
[[ -s "$work/photo-service.secret" && -s "$work/reporting.secret" ]] || fail "jot clients add printed no secret"
start issuer "$bin/jot" serve --demo --keys "$keys" --database "$database" --port "$issuer_port" \
    --audience pangolin-service --audience photo-service --bcrypt-cost 4 "${tls_flags[@]}"
wait_ready issuer "$issuer/healthz"

echo "==> 2. The resource services (keys found through $issuer/.well-known/openid-configuration; photo-service with its verified-token cache on)"
start pangolin-service "$bin/pangolin-service" --issuer "$issuer" --port "$pangolin_port" --jwks-cache-dir "$work/jwks-cache" \
    "${tls_flags[@]}" "${ca_flags[@]}"
start photo-service "$bin/photo-service" --issuer "$issuer" --port "$photo_port" --token-cache 1000 \
    --pangolins-url "$pangolins" --client-secret-file "$work/photo-service.secret" "${tls_flags[@]}" "${ca_flags[@]}"
wait_ready pangolin-service "$pangolins/healthz"
wait_ready photo-service "$photos/healthz"

echo "==> 3. Logins"
cthon="$(login "$issuer" Cthon98 hunter2 '["pangolin-service","photo-service"]')"
azure="$(login "$issuer" AzureDiamond '*********')"
ansel="$(login "$issuer" Ansel Ansel-password-1 '"photo-service"')"
expect 401 "login Cthon98 with a wrong password" -X POST "$issuer/sessions" -d '{"username":"Cthon98","password":"hunter3"}'
first_kid="$(token_kid "$cthon")"
echo "    tokens signed by kid $first_kid"
checks=$((checks + 1))
"$bin/jot" token verify "$cthon" --jwks-url "$issuer/.well-known/jwks.json" --issuer "$issuer" \
    --audience pangolin-service --type at+jwt "${ca_flags[@]}" >"$work/verify.out" 2>&1 \
    || fail "jot token verify --jwks-url refused Cthon98's token: $(cat "$work/verify.out")"
printf '    ok   %-58s\n' "jot token verify --jwks-url accepts Cthon98's token"

# calls LABEL — the protected and public calls, with their expected statuses.
calls() {
    echo "==> $1"
    expect 200 "GET /cats without a token" "$pangolins/cats"
    expect 401 "GET /pangolins without a token" "$pangolins/pangolins"
    expect_header WWW-Authenticate 'Bearer realm="pangolin-service"'
    expect 200 "GET /pangolins as Cthon98" "$pangolins/pangolins" -H "Authorization: Bearer $cthon"
    expect_body '"pangolins" in b' "GET /pangolins answers pangolins"
    expect 401 "GET /pangolins with the bare Authorization: <jwt> (Bearer required outside serverless-auth)" "$pangolins/pangolins" -H "Authorization: $cthon"
    expect 403 "GET /pangolins as AzureDiamond (no scope)" "$pangolins/pangolins" -H "Authorization: Bearer $azure"
    expect_header WWW-Authenticate 'error="insufficient_scope", scope="pangolins"'
    expect 401 "GET /pangolins with a tampered token" "$pangolins/pangolins" -H "Authorization: Bearer ${cthon%?????}AAAAA"
    expect_header WWW-Authenticate 'error="invalid_token"'
    expect 401 "GET /pangolins with garbage" "$pangolins/pangolins" -H "Authorization: Bearer not.a.jwt"
    expect 200 "GET /photos as Ansel" "$photos/photos" -H "Authorization: Bearer $ansel"
    expect_body 'b["owner"] == "Ansel" and len(b["photos"]) == 2' "GET /photos answers only Ansel's photos"
    expect 403 "GET /photos as Cthon98 (no photos:read)" "$photos/photos" -H "Authorization: Bearer $cthon"
    expect 401 "GET /photos without a token" "$photos/photos"
    expect 200 "GET /photos/pangolins as Ansel (service to service)" "$photos/photos/pangolins" -H "Authorization: Bearer $ansel"
    expect_body 'b["owner"] == "Ansel" and b["pangolins"][0]["name"] == "Pengu"' "photo-service fetched pangolins with its own token"
    expect 200 "GET /pangolins with reporting's client token" "$pangolins/pangolins" -H "Authorization: Bearer $reporting"
    expect 401 "GET /photos with reporting's pangolin-service token" "$photos/photos" -H "Authorization: Bearer $reporting"
    expect_header WWW-Authenticate 'error="invalid_token"'
}
echo "==> 3b. Service tokens (OAuth client credentials, RFC 6749 §4.4)"
expect 200 "RFC 8414 metadata" "$issuer/.well-known/oauth-authorization-server"
expect_body 'b["token_endpoint"].endswith("/oauth/token") and "client_credentials" in b["grant_types_supported"]' "metadata names the token endpoint"
reporting="$(client_token "$issuer" reporting "$(cat "$work/reporting.secret")")"
expect_header Cache-Control no-store
expect 401 "client_credentials with a wrong secret" -X POST "$issuer/oauth/token" -u "reporting:wrong" -d grant_type=client_credentials
expect_header WWW-Authenticate Basic
expect 400 "a resource reporting may not use" -X POST "$issuer/oauth/token" -u "reporting:$(cat "$work/reporting.secret")" \
    -d grant_type=client_credentials -d resource=https://elsewhere.example
expect_body 'b["error"] == "invalid_target"' "invalid_target"
reporting_photos="$(client_token "$issuer" reporting "$(cat "$work/reporting.secret")" -d resource=photo-service)"
expect 200 "introspect reporting's token" -X POST "$issuer/oauth/introspect" -u "reporting:$(cat "$work/reporting.secret")" \
    -d "token=$reporting_photos"
expect_body 'b["active"] is True and b["aud"] == "photo-service" and b["sub"] == "reporting"' "introspection: active, aud photo-service"

calls "4. Calls"
expect 200 "pangolin-service /metrics (Prometheus text)" "$pangolins/metrics"
for series in 'jwt_authentications_total{result="verified"}' 'jwt_authentications_total{result="invalid_token"}' 'jwks_keys{' 'jwks_fetch_total{'; do
    checks=$((checks + 1))
    grep -qF "$series" "$work/body" || fail "/metrics has no $series: $(head -c 600 "$work/body")"
    printf '    ok   %-58s\n' "/metrics has $series"
done

echo "==> 5. Key rotation (jot keys rotate --force) while everything runs"
"$bin/jot" keys rotate --keys "$keys" --force >"$work/rotate.out" || fail "jot keys rotate failed: $(cat "$work/rotate.out")"
sed 's/^/    /' "$work/rotate.out"
deadline=$((SECONDS + 30))
while :; do
    rotated="$(login "$issuer" Cthon98 hunter2)"
    [[ "$(token_kid "$rotated")" != "$first_kid" ]] && break
    ((SECONDS < deadline)) || fail "the issuer still signs with kid $first_kid 30 s after the rotation"
    sleep 0.5
done
echo "    new tokens signed by kid $(token_kid "$rotated")"
old_cthon="$cthon"
cthon="$(login "$issuer" Cthon98 hunter2 '["pangolin-service","photo-service"]')"
azure="$(login "$issuer" AzureDiamond '*********')"
ansel="$(login "$issuer" Ansel Ansel-password-1 '"photo-service"')"
reporting="$(client_token "$issuer" reporting "$(cat "$work/reporting.secret")")"
calls "6. Calls with tokens of the new key"
expect 200 "GET /pangolins with a token of the previous key" "$pangolins/pangolins" -H "Authorization: Bearer $old_cthon"

echo "==> 7. The issuer stopped: the services keep verifying from their cached JWKS"
kill "$pid_issuer"
wait "$pid_issuer" 2>/dev/null || true
checks=$((checks + 1))
if curl -s -o /dev/null "$issuer/healthz"; then fail "the issuer still answers after being stopped"; fi
printf '    ok   %-58s\n' "the issuer is down"
calls "8. Calls while the issuer is down"
expect 200 "photo-service /healthz" "$photos/healthz"
expect_body 'b["token_cache"]["hits"] > 0' "photo-service answered from its verified-token cache"

echo "==> 8b. pangolin-service restarted while the issuer is down: it verifies with the keys it saved (--jwks-cache-dir)"
kill "$pid_pangolin_service"
wait "$pid_pangolin_service" 2>/dev/null || true
start pangolin-service "$bin/pangolin-service" --issuer "$issuer" --port "$pangolin_port" --jwks-cache-dir "$work/jwks-cache" \
    "${tls_flags[@]}" "${ca_flags[@]}"
wait_ready pangolin-service "$pangolins/healthz"
expect 200 "GET /pangolins as Cthon98 after the restart, issuer still down" "$pangolins/pangolins" -H "Authorization: Bearer $cthon"
expect 200 "GET /pangolins with a token of the previous key after the restart" "$pangolins/pangolins" -H "Authorization: Bearer $old_cthon"
expect 401 "GET /pangolins with a tampered token after the restart" "$pangolins/pangolins" -H "Authorization: Bearer ${cthon%?????}AAAAA"
expect 200 "pangolin-service /healthz after the restart" "$pangolins/healthz"
expect_body 'b["status"] == "degraded" and len(b["jwks"]["kids"]) >= 2' "health: degraded, verifying with the saved keys"

echo "==> 9. serverless-auth: the documented sample (HS256, JWT_SECRET, the authorizer)"
checks=$((checks + 1))
if JWT_SECRET=too-short timeout 20 "$bin/serverless-auth" --port 0 >"$work/short-secret.log" 2>&1; then
    fail "serverless-auth started with a 9-byte JWT_SECRET"
fi
grep -q "at least 32" "$work/short-secret.log" || fail "no clear message for a short JWT_SECRET: $(cat "$work/short-secret.log")"
printf '    ok   %-58s\n' "a JWT_SECRET under 32 bytes is refused"
secret="$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
serverless="http://127.0.0.1:$serverless_port"
start serverless-auth env JWT_SECRET="$secret" "$bin/serverless-auth" --port "$serverless_port" --bcrypt-cost 4
wait_ready serverless-auth "$serverless/healthz"
expect 200 "GET /cats (from a page on another origin)" "$serverless/cats" -H 'Origin: https://app.example'
expect_header Access-Control-Allow-Origin '*'
documented_cthon="$(login "$serverless" Cthon98 hunter2)"
documented_azure="$(login "$serverless" AzureDiamond '*********')"
expect 401 "login with a wrong password" -X POST "$serverless/sessions" -d '{"username":"AzureDiamond","password":"hunter2"}'
expect_body '"error" in b' "a failed login answers {\"error\": ...}"
expect 200 "GET /pangolins as Cthon98 (Authorization: <jwt>)" "$serverless/pangolins" -H "Authorization: $documented_cthon"
expect 403 "GET /pangolins as AzureDiamond (Deny)" "$serverless/pangolins" -H "Authorization: $documented_azure"
expect 401 "GET /pangolins without a token" "$serverless/pangolins"
expect_body 'b == {"message": "Unauthorized"}' "401 answers {\"message\":\"Unauthorized\"}"
expect 401 "GET /pangolins with a tampered token" "$serverless/pangolins" -H "Authorization: ${documented_cthon%?????}AAAAA"
expect 401 "GET /pangolins with an issuer token (other key)" "$serverless/pangolins" -H "Authorization: $cthon"

echo "==> 10. HS256 with a shared secret: jot serve with JWT_SECRET, pangolin-service --secret-env JWT_SECRET"
hs_issuer_port="$(free_port)"
hs_pangolin_port="$(free_port)"
hs_issuer="http://127.0.0.1:$hs_issuer_port"
hs_pangolins="http://127.0.0.1:$hs_pangolin_port"
checks=$((checks + 1))
if env -u JWT_SECRET timeout 20 "$bin/pangolin-service" --issuer "$hs_issuer" --secret-env JWT_SECRET --port 0 >"$work/no-secret.log" 2>&1; then
    fail "pangolin-service started with --secret-env naming an unset variable"
fi
grep -q "JWT_SECRET is not set" "$work/no-secret.log" || fail "no clear message for an unset secret: $(cat "$work/no-secret.log")"
printf '    ok   %-58s\n' "--secret-env naming an unset variable is refused"
start issuer-hs env JWT_SECRET="$secret" "$bin/jot" serve --demo --alg HS256 --keys "$work/keys-hs" \
    --database "$work/users-hs.sqlite" --port "$hs_issuer_port" --audience pangolin-service --bcrypt-cost 4
wait_ready issuer-hs "$hs_issuer/healthz"
start pangolin-hs env JWT_SECRET="$secret" "$bin/pangolin-service" --issuer "$hs_issuer" --secret-env JWT_SECRET \
    --port "$hs_pangolin_port"
wait_ready pangolin-hs "$hs_pangolins/healthz"
expect 200 "GET the HS256 issuer's JWKS" "$hs_issuer/.well-known/jwks.json"
expect_body 'all(k.get("kty") != "oct" and "k" not in k for k in b["keys"])' "the shared secret is not in the JWKS"
hs_cthon="$(login "$hs_issuer" Cthon98 hunter2)"
checks=$((checks + 1))
[[ "$(python3 -c 'import base64, json, sys; h = sys.argv[1].split(".")[0]; print(json.loads(base64.urlsafe_b64decode(h + "=" * (-len(h) % 4)))["alg"])' "$hs_cthon")" == HS256 ]] \
    || fail "the HS256 issuer did not sign with HS256"
printf '    ok   %-58s\n' "the token is HS256"
expect 200 "GET /pangolins as Cthon98 (HS256)" "$hs_pangolins/pangolins" -H "Authorization: Bearer $hs_cthon"
expect 401 "GET /pangolins with a tampered HS256 token" "$hs_pangolins/pangolins" -H "Authorization: Bearer ${hs_cthon%?????}AAAAA"
expect 401 "GET /pangolins with serverless-auth's token (same secret)" "$hs_pangolins/pangolins" \
    -H "Authorization: Bearer $documented_cthon"
# The same secret, typ and audience, but another issuer: refused for its iss alone.
forged="$(JWT_SECRET="$secret" "$bin/jot" token sign --secret-env JWT_SECRET --header '{"typ":"at+jwt"}' --expires-in 300 \
    --claims '{"iss":"https://other-issuer.example","sub":"Cthon98","aud":"pangolin-service","scope":"pangolins"}')"
expect 401 "GET /pangolins with the same secret but another iss" "$hs_pangolins/pangolins" -H "Authorization: Bearer $forged"
expect_header WWW-Authenticate 'error_description="issuer not accepted"'
expect 401 "GET /pangolins with an ES256 token of the other issuer" "$hs_pangolins/pangolins" -H "Authorization: Bearer $cthon"

failed=0
echo
echo "demo passed: $checks checks"
