#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/client/test_cli.sh - `imagerouter generate|models|endpoints` against
# the scripted server (irc_scripted_server). Exits 77 (skipped) while the
# binary does not dispatch these subcommands yet.
#
#   test_cli.sh IMAGEROUTER_BIN SCRIPTED_SERVER_BIN
set -u
BIN=${1:?imagerouter binary}
SRV=${2:?scripted server binary}

if [ ! -x "$BIN" ] || ! "$BIN" generate --help 2>/dev/null |
    grep -q 'usage: imagerouter generate'; then
    echo "SKIP: $BIN does not run 'generate' yet"
    exit 77
fi

T=$(mktemp -d)
SRV_PID=
cleanup() {
    [ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
cd "$T" || exit 1
unset IMAGEROUTER_BASE_URL http_proxy HTTP_PROXY all_proxy ALL_PROXY
export IMAGEROUTER_API_KEY=sk-cli

FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
check() { # check DESCRIPTION COMMAND...
    local what=$1; shift
    "$@" || fail "$what"
}

PNG=iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==
USAGE='"usage":{"prompt_tokens":0,"completion_tokens":4175,"total_tokens":4175,"cost":0.04}'
echo "{\"created\":1748372400,\"data\":[{\"b64_json\":\"$PNG\",\"media_type\":\"image/png\"}],$USAGE}" > one.json
echo "{\"created\":1748372400,\"data\":[{\"b64_json\":\"$PNG\"},{\"b64_json\":\"$PNG\"}],$USAGE}" > two.json
echo '{"error":{"code":401,"message":"Missing Authentication header"}}' > e401.json
echo '{"error":{"code":400,"message":"size 9x9 is not supported","metadata":{"param":"size"}}}' > e400.json
cat > models.json <<'JSON'
{"data":[{"id":"imagerouter/abstract","name":"Imagerouter: Abstract","description":"d","created":1,"architecture":{"input_modalities":["text"],"output_modalities":["image"]},"supported_parameters":{"resolution":{"type":"enum","values":["1K","2K"]},"n":{"type":"range","min":1,"max":4},"seed":{"type":"boolean"}},"supports_streaming":true,"endpoints":"/api/v1/images/models/imagerouter/abstract/endpoints"}]}
JSON
cat > endpoints.json <<'JSON'
{"id":"bytedance-seed/seedream-4.5:free","endpoints":[{"provider_name":"Bytedance","provider_slug":"bytedance","provider_tag":null,"supported_parameters":{"resolution":{"type":"enum","values":["1K","2K","4K"]}},"allowed_passthrough_parameters":["steps"],"supports_streaming":false,"pricing":[{"billable":"output_image","unit":"image","cost_usd":0.05}]}]}
JSON
{
    printf 'data: {"type":"image_generation.partial_image","partial_image_index":0,"b64_json":"%s"}\n\n' "$PNG"
    printf 'data: {"type":"image_generation.completed","b64_json":"%s","media_type":"image/png","created":1,%s}\n\n' "$PNG" "$USAGE"
    printf 'data: [DONE]\n\n'
} > stream.sse
printf 'ref-bytes' > ref.bin

GEN='X-Generation-Id:gen-img-1748372400-CLICLICLICLICLICLICL X-Provider-Name:Imagerouter'
cat > script <<EOF2
200 application/json one.json $GEN
200 application/json two.json $GEN
200 application/json one.json $GEN
200 application/json one.json $GEN
401 application/json e401.json
400 application/json e400.json
sse - stream.sse $GEN
200 application/json one.json $GEN
200 application/json models.json
200 application/json models.json
200 application/json endpoints.json
EOF2

"$SRV" script requests.log > url.txt &
SRV_PID=$!
for _ in $(seq 100); do [ -s url.txt ] && break; sleep 0.05; done
URL=$(head -n1 url.txt)
[ -n "$URL" ] || { echo "FAIL: scripted server did not start"; exit 1; }

nreq() { grep -c '^--$' requests.log 2>/dev/null || echo 0; }
wait_req() { # wait_req N: the server logged N requests
    for _ in $(seq 100); do [ "$(nreq)" -ge "$1" ] && return 0; sleep 0.05; done
    return 1
}
# The Nth logged request (1-based), headers and body.
req() { awk -v n="$1" 'BEGIN{i=1} /^--$/{i++; next} i==n' requests.log; }
is_png() { [ "$(head -c 4 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e47 ]; }
R() { "$BIN" "$@" --base-url "$URL" --no-retry; }

# 1. one image to -o, summary on stdout, nothing on a non-tty stderr.
R generate "a red panda astronaut" -o out.png > o1 2> e1
check "generate exit 0" [ $? -eq 0 ]
check "out.png is a PNG" is_png out.png
check "summary names the file" grep -q 'saved out.png (image/png, 70 bytes)' o1
check "summary has id and cost" grep -q 'generation gen-img-1748372400-CLICLICLICLICLICLICL  provider Imagerouter  cost \$0.040000' o1
check "quiet stderr when not a tty" [ ! -s e1 ]
wait_req 1
check "POST /api/v1/images" grep -q '^POST /api/v1/images$' <(req 1)
check "bearer key from env" grep -q '^Authorization: Bearer sk-cli$' <(req 1)
check "default model" grep -q '"model":"imagerouter/abstract","prompt":"a red panda astronaut"' <(req 1)

# 2. n = 2: numbered files.
R generate panda -n 2 --size 1024x1024 --aspect-ratio 1:1 --seed 7 -o pic.png > o2
check "n=2 exit 0" [ $? -eq 0 ]
check "pic-1.png" is_png pic-1.png
check "pic-2.png" is_png pic-2.png
wait_req 2
check "n/size/seed sent" grep -q '"n":2,"size":"1024x1024","aspect_ratio":"1:1","seed":7' <(req 2)

# 3. default name from the generation id; --json summary.
R generate panda --json > o3
check "json exit 0" [ $? -eq 0 ]
check "named from the generation id" is_png gen-img-1748372400-CLICLICLICLICLICLICL.png
check "json summary" grep -q '"generation_id":"gen-img-1748372400-CLICLICLICLICLICLICL","provider":"Imagerouter","created":1748372400,"cost":0.04' o3

# 4. request options: refs (file -> data URL, URL as is), providers, format.
R generate panda --ref ref.bin --ref https://example.com/r.png \
    --provider-only openai,google --no-fallbacks --format webp \
    --quality high --background opaque --compression 80 --resolution 2K \
    --api-key sk-flag -o flags.webp > /dev/null
check "flags exit 0" [ $? -eq 0 ]
wait_req 4
check "--api-key wins" grep -q '^Authorization: Bearer sk-flag$' <(req 4)
check "ref file as data URL" grep -q '"url":"data:application/octet-stream;base64,cmVmLWJ5dGVz"' <(req 4)
check "ref URL as is" grep -q '"url":"https://example.com/r.png"' <(req 4)
check "provider prefs" grep -q '"provider":{"allow_fallbacks":false,"only":\["openai","google"\]}' <(req 4)
check "format etc." grep -q '"resolution":"2K","quality":"high","background":"opaque","output_format":"webp","output_compression":80' <(req 4)

# 5. server errors: exit 1 with the server's message.
R generate panda > o5 2> e5
check "401 exit 1" [ $? -eq 1 ]
check "401 message" grep -q 'Missing Authentication header (HTTP 401, UNAUTHORIZED)' e5
R generate panda --size 9x9 --json > o6 2> e6
check "400 exit 1" [ $? -eq 1 ]
check "400 json error" grep -q '"error":{"code":"BAD_REQUEST","status":400,"message":"size 9x9 is not supported","metadata":{"param":"size"}}' o6

# 6. streaming.
R generate panda --stream -o s.png > o7 2> e7
check "stream exit 0" [ $? -eq 0 ]
check "stream image" is_png s.png
wait_req 7
check "stream request" grep -q '"stream":true' <(req 7)
check "stream accept" grep -q '^Accept: text/event-stream$' <(req 7)

# 7. prompt from stdin.
echo "from stdin" | R generate - -o stdin.png > /dev/null
check "stdin prompt exit 0" [ $? -eq 0 ]
wait_req 8
check "stdin prompt sent" grep -q '"prompt":"from stdin"' <(req 8)

# 8. usage errors: exit 2, nothing sent.
R generate > /dev/null 2>&1; check "no prompt exit 2" [ $? -eq 2 ]
R generate x -n 0 > /dev/null 2>&1; check "bad -n exit 2" [ $? -eq 2 ]
R generate x --bogus > /dev/null 2>&1; check "unknown option exit 2" [ $? -eq 2 ]
R endpoints > /dev/null 2>&1; check "endpoints without id exit 2" [ $? -eq 2 ]
"$BIN" models --help | grep -q 'usage: imagerouter models' || fail "models --help"
"$BIN" endpoints --help | grep -q 'usage: imagerouter endpoints' || fail "endpoints --help"
check "usage errors sent nothing" [ "$(nreq)" -eq 8 ]

# 9. models and endpoints.
R models > o9
check "models exit 0" [ $? -eq 0 ]
check "models table" grep -Eq '^imagerouter/abstract +Imagerouter: Abstract +yes +resolution=1K\|2K n=1\.\.4 seed$' o9
R models --json > o10
check "models json" grep -q '^{"data":\[{"id":"imagerouter/abstract"' o10
R endpoints bytedance-seed/seedream-4.5:free > o11
check "endpoints exit 0" [ $? -eq 0 ]
wait_req 11
check "endpoints path escaped" grep -q '^GET /api/v1/images/models/bytedance-seed/seedream-4.5%3Afree/endpoints$' <(req 11)
check "endpoints table" grep -q 'Bytedance  bytedance  -  ' o11
check "endpoints pricing" grep -q '\$0.05/image (output_image)' o11
check "endpoints params" grep -q 'parameters: resolution=1K|2K|4K' o11

if [ "$FAILS" -ne 0 ]; then
    echo "$FAILS check(s) failed"; tail -n 5 o[0-9]* e[0-9]* 2>/dev/null
    exit 1
fi
echo "all CLI checks passed"
