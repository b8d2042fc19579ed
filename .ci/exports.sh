#!/usr/bin/env bash
# Starts the debug server on a free port with a fresh data folder, prepares it
# (.ci/exports.py) and checks the exported API documents with the tools
# people will use them with: openapi-spec-validator and schemathesis on the
# OpenAPI document, newman on the Postman collection.
# Usage: .ci/exports.sh SERVERKIT_BIN VENV_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$1
VENV=$2
WORK=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export SERVERKIT_ADMIN_EMAIL=ci-owner@example.com SERVERKIT_ADMIN_PASSWORD='ci owner password 1234'
"$BIN" serve --listen "127.0.0.1:$PORT" --data-dir "$WORK/data" >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
BASE="http://127.0.0.1:$PORT"
python3 .ci/exports.py "$BASE" "$WORK/out"

echo "--- openapi-spec-validator"
"$VENV/bin/openapi-spec-validator" "$WORK/out/openapi.json"

echo "--- newman (as a member of editors, then as nobody's member)"
NEWMAN=.ci/tools/node_modules/.bin/newman
"$NEWMAN" run "$WORK/out/postman.json" --working-dir "$WORK/out/files" --env-var "token_editors=$(cat "$WORK/out/editor.token")" --bail --color off
"$NEWMAN" run "$WORK/out/postman.json" --working-dir "$WORK/out/files" --bail --color off

echo "--- schemathesis"
"$VENV/bin/schemathesis" run "$WORK/out/openapi.json" --url "$BASE/env/test" \
  --header "Authorization: Bearer $(cat "$WORK/out/editor.token")" \
  --exclude-path /auth/logout \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples 25 --no-color
