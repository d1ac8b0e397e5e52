// Copies what the Rust bindings need (ABI and bytecode) from forge's out/ into
// crates/bindings/artifacts/, one small JSON per contract, so a Rust build needs no Solidity toolchain.
// Usage: node tools/export-artifacts.mjs <forge out dir> <destination dir>
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

// The contracts the agents talk to or deploy. Keep in sync with crates/bindings/src/lib.rs.
const CONTRACTS = [
  ["Mailbox.sol", "Mailbox"],
  ["CommitteeVerifier.sol", "CommitteeVerifier"],
  ["HelloApp.sol", "HelloApp"],
  ["IVerifier.sol", "IVerifier"],
  ["IMessageRecipient.sol", "IMessageRecipient"],
  ["IMessageRecipient.sol", "IVerifierSpecifier"],
  ["EthereumLightClient.sol", "EthereumLightClient"],
  ["LightClientVerifier.sol", "LightClientVerifier"],
  ["OptimisticVerifier.sol", "OptimisticVerifier"],
  ["ProposerBond.sol", "ProposerBond"],
  ["AggregationVerifier.sol", "AggregationVerifier"],
  ["ValidatorStaking.sol", "ValidatorStaking"],
  ["RoutingVerifier.sol", "RoutingVerifier"],
  ["RelayerFees.sol", "RelayerFees"],
  ["TimelockController.sol", "TimelockController"],
];

const [outDir, destDir] = process.argv.slice(2);
if (!outDir || !destDir) {
  console.error("usage: node tools/export-artifacts.mjs <forge out dir> <destination dir>");
  process.exit(2);
}
mkdirSync(destDir, { recursive: true });
for (const [file, name] of CONTRACTS) {
  const path = join(outDir, file, `${name}.json`);
  let artifact;
  try {
    artifact = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    console.error(`export-artifacts: cannot read ${path}: ${err.message} (run forge build first)`);
    process.exit(1);
  }
  if (!artifact.bytecode || !artifact.deployedBytecode) {
    console.error(`export-artifacts: ${path} has no bytecode (written by a partial compile such as forge inspect?); run 'forge build --force' in contracts/`);
    process.exit(1);
  }
  const slim = {
    abi: artifact.abi,
    bytecode: { object: artifact.bytecode.object },
    deployedBytecode: { object: artifact.deployedBytecode.object },
  };
  writeFileSync(join(destDir, `${name}.json`), JSON.stringify(slim, null, 2) + "\n");
}
