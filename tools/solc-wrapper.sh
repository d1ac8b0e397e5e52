#!/usr/bin/env bash
# Lets forge drive solcjs (the npm `solc` package, a WebAssembly build) as if it were native solc.
# forge asks `solc --version` and then runs `solc --standard-json` with the input on stdin.
# solcjs wants its input from a file (a pipe fails with EAGAIN on large inputs) and prints
# `>>>` progress lines on stdout that would corrupt the JSON, so both are handled through files.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
solcjs="$here/../node_modules/solc/solc.js"

if [[ "${1:-}" == "--version" ]]; then
  version="$(node "$solcjs" --version)"
  echo "solc, the solidity compiler commandline interface"
  echo "Version: ${version%%.Emscripten*}.Linux.g++"
  exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/input.json"
# Every argument but --standard-json is passed through (forge adds --allow-paths and the like,
# which solcjs does not know, so those are dropped).
args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --standard-json) ;;
    --allow-paths|--base-path|--include-path) shift ;;
    *) ;;
  esac
  shift
done
node "$solcjs" --standard-json --base-path / < "$tmp/input.json" > "$tmp/output.json"
grep -v '^>>>' "$tmp/output.json"
