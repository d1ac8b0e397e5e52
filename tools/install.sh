#!/usr/bin/env bash
# Installs Courier's pinned toolchain (anvil, forge, cast, solcjs, forge-std, OpenZeppelin) into
# .tools/ at the repository root, from tools/package.json and tools/package-lock.json.
# Re-running is a no-op while the lock file is unchanged.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/.tools"
stamp="$dest/.installed"
want="$(cat "$root/tools/package.json" "$root/tools/package-lock.json" | sha256sum | cut -d' ' -f1)"

if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi
command -v npm >/dev/null || { echo "install.sh: npm (Node.js >= 20) is required to install the toolchain" >&2; exit 1; }

echo "installing pinned toolchain into .tools/ ..." >&2
mkdir -p "$dest"
cp "$root/tools/package.json" "$root/tools/package-lock.json" "$dest/"
(cd "$dest" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

mkdir -p "$dest/bin"
for tool in anvil forge cast; do
  ln -sf "../node_modules/@foundry-rs/${tool}-linux-amd64/bin/${tool}" "$dest/bin/${tool}"
done
install -m 0755 "$root/tools/solc-wrapper.sh" "$dest/bin/solc"
# forge only keeps import paths consistent for libraries inside the Foundry project, so the
# Solidity libraries are linked into contracts/lib (git-ignored).
mkdir -p "$root/contracts/lib"
ln -sfn ../../.tools/node_modules/@layerzerolabs/toolbox-foundry/lib/forge-std "$root/contracts/lib/forge-std"
ln -sfn ../../.tools/node_modules/@openzeppelin/contracts "$root/contracts/lib/openzeppelin-contracts"

# Fail now, not in the middle of a build, if something did not land.
for tool in anvil forge cast solc; do
  "$dest/bin/$tool" --version >/dev/null || { echo "install.sh: $tool does not run" >&2; exit 1; }
done
echo "$want" > "$stamp"
echo "toolchain ready: $("$dest/bin/forge" --version | head -1), solc $("$dest/bin/solc" --version | tail -1)" >&2
