// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";

import {EthereumLightClient} from "../src/lightclient/EthereumLightClient.sol";
import {SSZ} from "../src/libs/SSZ.sol";
import {BaselineLightClient} from "./utils/BaselineLightClient.sol";

/// @notice Reads `test/fixtures/lightclient/mainnet-capella.json` (written by the Rust light client
/// as it verifies Ethereum mainnet data; `make vectors`) into the contract's types.
contract LightClientFixture is Test {
    string internal fixture;

    function _load() internal {
        fixture = vm.readFile(string.concat(vm.projectRoot(), "/test/fixtures/lightclient/mainnet-capella.json"));
    }

    function _header(string memory at) internal view returns (SSZ.BeaconBlockHeader memory h) {
        h.slot = uint64(vm.parseJsonUint(fixture, string.concat(at, ".slot")));
        h.proposerIndex = uint64(vm.parseJsonUint(fixture, string.concat(at, ".proposerIndex")));
        h.parentRoot = vm.parseJsonBytes32(fixture, string.concat(at, ".parentRoot"));
        h.stateRoot = vm.parseJsonBytes32(fixture, string.concat(at, ".stateRoot"));
        h.bodyRoot = vm.parseJsonBytes32(fixture, string.concat(at, ".bodyRoot"));
    }

    function _execution(string memory at) internal view returns (EthereumLightClient.Execution memory e) {
        e.stateRoot = vm.parseJsonBytes32(fixture, string.concat(at, ".stateRoot"));
        e.stateRootBranch = vm.parseJsonBytes32Array(fixture, string.concat(at, ".stateRootBranch"));
        e.blockNumber = uint64(vm.parseJsonUint(fixture, string.concat(at, ".blockNumber")));
        e.blockNumberBranch = vm.parseJsonBytes32Array(fixture, string.concat(at, ".blockNumberBranch"));
    }

    function _chain() internal view returns (EthereumLightClient.Chain memory c) {
        c.genesisValidatorsRoot = vm.parseJsonBytes32(fixture, ".chain.genesisValidatorsRoot");
        c.genesisForkVersion = bytes4(vm.parseJsonBytes(fixture, ".chain.genesisForkVersion"));
        uint256 n = 6;
        c.forkVersions = new bytes4[](n);
        c.forkEpochs = new uint64[](n);
        for (uint256 i; i < n; ++i) {
            string memory at = string.concat(".chain.forks[", vm.toString(i), "]");
            c.forkVersions[i] = bytes4(vm.parseJsonBytes(fixture, string.concat(at, ".version")));
            c.forkEpochs[i] = uint64(vm.parseJsonUint(fixture, string.concat(at, ".epoch")));
        }
        c.slotsPerEpoch = uint64(vm.parseJsonUint(fixture, ".chain.slotsPerEpoch"));
        c.epochsPerPeriod = uint64(vm.parseJsonUint(fixture, ".chain.epochsPerPeriod"));
        c.committeeSize = uint64(vm.parseJsonUint(fixture, ".chain.committeeSize"));
    }

    function _deploy(EthereumLightClient.Chain memory chain) internal returns (EthereumLightClient) {
        EthereumLightClient.Committee memory committee;
        committee.root = vm.parseJsonBytes32(fixture, ".bootstrap.committee.committeeRoot");
        committee.pubkeysRoot = vm.parseJsonBytes32(fixture, ".bootstrap.committee.pubkeysRoot");
        committee.aggregatePubkey = vm.parseJsonBytes(fixture, ".bootstrap.committee.aggregatePubkey");
        return new EthereumLightClient(
            chain,
            vm.parseJsonBytes32(fixture, ".trustedBlockRoot"),
            _header(".bootstrap.header"),
            committee,
            vm.parseJsonBytes(fixture, ".bootstrap.committee.aggregatePubkeyCompressed"),
            vm.parseJsonBytes32Array(fixture, ".bootstrap.currentSyncCommitteeBranch"),
            _execution(".bootstrap.execution")
        );
    }

    function _update(uint256 i) internal view returns (EthereumLightClient.Update memory u) {
        string memory at = string.concat(".updates[", vm.toString(i), "].update");
        u.signers.root = vm.parseJsonBytes32(fixture, string.concat(at, ".signers.committeeRoot"));
        u.signers.pubkeysRoot = vm.parseJsonBytes32(fixture, string.concat(at, ".signers.pubkeysRoot"));
        u.signers.aggregatePubkey = vm.parseJsonBytes(fixture, string.concat(at, ".signers.aggregatePubkey"));
        u.attested = _header(string.concat(at, ".attested"));
        u.finalized = _header(string.concat(at, ".finalized"));
        u.finalityBranch = vm.parseJsonBytes32Array(fixture, string.concat(at, ".finalityBranch"));
        u.finalizedExecution = _execution(string.concat(at, ".finalizedExecution"));
        if (vm.keyExistsJson(fixture, string.concat(at, ".nextCommittee.branch"))) {
            u.nextPubkeysRoot = vm.parseJsonBytes32(fixture, string.concat(at, ".nextCommittee.committee.pubkeysRoot"));
            u.nextAggregatePubkey =
                vm.parseJsonBytes(fixture, string.concat(at, ".nextCommittee.committee.aggregatePubkey"));
            u.nextCommitteeBranch = vm.parseJsonBytes32Array(fixture, string.concat(at, ".nextCommittee.branch"));
        }
        u.signatureSlot = uint64(vm.parseJsonUint(fixture, string.concat(at, ".signatureSlot")));
        u.participation = vm.parseJsonBytes(fixture, string.concat(at, ".participation"));
        u.signature = vm.parseJsonBytes(fixture, string.concat(at, ".signature"));
        uint256[] memory indices = _nonSignerIndices(at);
        u.nonSigners = new EthereumLightClient.NonSigner[](indices.length);
        for (uint256 j; j < indices.length; ++j) {
            string memory s = string.concat(at, ".nonSigners[", vm.toString(j), "]");
            u.nonSigners[j].index = indices[j];
            u.nonSigners[j].pubkey = vm.parseJsonBytes(fixture, string.concat(s, ".pubkey"));
            u.nonSigners[j].branch = vm.parseJsonBytes32Array(fixture, string.concat(s, ".branch"));
        }
    }

    function _nonSignerIndices(string memory at) internal view returns (uint256[] memory indices) {
        uint256 n;
        while (vm.keyExistsJson(fixture, string.concat(at, ".nonSigners[", vm.toString(n), "]"))) ++n;
        indices = new uint256[](n);
        for (uint256 j; j < n; ++j) {
            indices[j] = vm.parseJsonUint(fixture, string.concat(at, ".nonSigners[", vm.toString(j), "].index"));
        }
    }

    function _after(uint256 i) internal view returns (uint64 slot, uint64 blockNumber, bytes32 stateRoot) {
        string memory at = string.concat(".updates[", vm.toString(i), "].after");
        slot = uint64(vm.parseJsonUint(fixture, string.concat(at, ".finalizedSlot")));
        blockNumber = uint64(vm.parseJsonUint(fixture, string.concat(at, ".executionBlockNumber")));
        stateRoot = vm.parseJsonBytes32(fixture, string.concat(at, ".executionStateRoot"));
    }
}

contract EthereumLightClientTest is LightClientFixture {
    EthereumLightClient internal client;

    function setUp() public {
        _load();
        client = _deploy(_chain());
    }

    function test_bootstrap_holdsTheTrustedBlocksState() public view {
        assertEq(client.finalizedSlot(), 7_069_376);
        EthereumLightClient.Execution memory e = _execution(".bootstrap.execution");
        assertEq(client.executionStateRoot(e.blockNumber), e.stateRoot);
        assertEq(client.latestExecutionBlock(), e.blockNumber);
        EthereumLightClient.Committee memory committee;
        committee.root = vm.parseJsonBytes32(fixture, ".bootstrap.committee.committeeRoot");
        committee.pubkeysRoot = vm.parseJsonBytes32(fixture, ".bootstrap.committee.pubkeysRoot");
        committee.aggregatePubkey = vm.parseJsonBytes(fixture, ".bootstrap.committee.aggregatePubkey");
        assertEq(client.committeeHash(client.periodAt(7_069_376)), client.hashCommittee(committee));
    }

    function test_bootstrap_refusesAnotherRoot() public {
        EthereumLightClient.Committee memory committee;
        committee.root = vm.parseJsonBytes32(fixture, ".bootstrap.committee.committeeRoot");
        committee.pubkeysRoot = vm.parseJsonBytes32(fixture, ".bootstrap.committee.pubkeysRoot");
        committee.aggregatePubkey = vm.parseJsonBytes(fixture, ".bootstrap.committee.aggregatePubkey");
        SSZ.BeaconBlockHeader memory header = _header(".bootstrap.header");
        EthereumLightClient.Chain memory chain = _chain();
        bytes memory compressed = vm.parseJsonBytes(fixture, ".bootstrap.committee.aggregatePubkeyCompressed");
        bytes32[] memory branch = vm.parseJsonBytes32Array(fixture, ".bootstrap.currentSyncCommitteeBranch");
        EthereumLightClient.Execution memory e = _execution(".bootstrap.execution");
        vm.expectRevert(
            abi.encodeWithSelector(
                EthereumLightClient.UntrustedBootstrap.selector, bytes32(uint256(1)), SSZ.hashTreeRoot(header)
            )
        );
        new EthereumLightClient(chain, bytes32(uint256(1)), header, committee, compressed, branch, e);
        // A committee that is not the state's.
        branch[0] = bytes32(uint256(branch[0]) ^ 1);
        bytes32 trusted = SSZ.hashTreeRoot(header);
        vm.expectRevert(EthereumLightClient.InvalidCommitteeBranch.selector);
        new EthereumLightClient(chain, trusted, header, committee, compressed, branch, e);
    }

    /// @notice The six mainnet updates apply in order and leave the client exactly where the Rust
    /// client is after each.
    function test_update_followsMainnetThroughFiveRotations() public {
        for (uint256 i; i < 6; ++i) {
            EthereumLightClient.Update memory u = _update(i);
            client.update(u);
            (uint64 slot, uint64 blockNumber, bytes32 stateRoot) = _after(i);
            assertEq(client.finalizedSlot(), slot, string.concat("update ", vm.toString(i)));
            assertEq(client.executionStateRoot(blockNumber), stateRoot, string.concat("update ", vm.toString(i)));
        }
        assertEq(client.finalizedSlot(), 7_104_096);
        assertEq(client.latestExecutionBlock(), 17_917_816);
    }

    function _client1() internal returns (EthereumLightClient.Update memory u) {
        client.update(_update(0)); // learns the committee of the next period
        u = _update(1);
    }

    function test_update_refusesAnotherUpdatesSignature() public {
        EthereumLightClient.Update memory u = _client1();
        u.signature = _update(2).signature;
        vm.expectRevert(EthereumLightClient.InvalidSignature.selector);
        client.update(u);
    }

    function test_update_refusesAChangedAttestedHeader() public {
        EthereumLightClient.Update memory u = _client1();
        u.attested.proposerIndex += 1; // the signed root changes; the finality branch still holds
        vm.expectRevert(EthereumLightClient.InvalidSignature.selector);
        client.update(u);
    }

    function test_update_refusesAWrongFinalityBranch() public {
        EthereumLightClient.Update memory u = _client1();
        for (uint256 k; k < u.finalityBranch.length; ++k) {
            EthereumLightClient.Update memory bad = _update(1);
            bad.finalityBranch[k] = bytes32(uint256(bad.finalityBranch[k]) ^ 1);
            vm.expectRevert(EthereumLightClient.InvalidFinalityBranch.selector);
            client.update(bad);
        }
        client.update(u);
    }

    function test_update_refusesAForgedExecutionStateRoot() public {
        EthereumLightClient.Update memory u = _client1();
        u.finalizedExecution.stateRoot = keccak256("not the state");
        vm.expectRevert(EthereumLightClient.InvalidExecutionBranch.selector);
        client.update(u);
        u = _update(1);
        u.finalizedExecution.blockNumber += 1;
        vm.expectRevert(EthereumLightClient.InvalidExecutionBranch.selector);
        client.update(u);
    }

    function test_update_refusesSignersThatAreNotTheStoredCommittee() public {
        EthereumLightClient.Update memory u = _client1();
        u.signers = _update(0).signers; // the previous period's committee
        vm.expectRevert(EthereumLightClient.CommitteeKeyMismatch.selector);
        client.update(u);
    }

    function test_update_refusesAWrongNextCommittee() public {
        EthereumLightClient.Update memory u = _update(0);
        u.nextPubkeysRoot = keccak256("other keys");
        vm.expectRevert(EthereumLightClient.InvalidCommitteeBranch.selector);
        client.update(u);
    }

    function test_update_refusesParticipationBelowTwoThirds() public {
        EthereumLightClient.Update memory u = _client1();
        // 171 members said not to sign (341 of 512 remain; 342 are needed), each named.
        u.participation = new bytes(64);
        for (uint256 b; b < 64; ++b) {
            u.participation[b] = 0xff;
        }
        u.nonSigners = new EthereumLightClient.NonSigner[](171);
        for (uint256 k; k < 171; ++k) {
            uint256 index = k * 3;
            u.participation[index >> 3] = bytes1(uint8(u.participation[index >> 3]) & ~uint8(1 << (index & 7)));
            u.nonSigners[k].index = index;
        }
        vm.expectRevert(abi.encodeWithSelector(EthereumLightClient.InsufficientParticipation.selector, 341, 342));
        client.update(u);
    }

    function test_update_refusesNonSignersThatAreNotTheZeroBits() public {
        EthereumLightClient.Update memory u = _update(0); // 511 of 512 signed
        assertEq(u.nonSigners.length, 1);
        u.nonSigners[0].index += 1;
        vm.expectRevert(abi.encodeWithSelector(EthereumLightClient.NonSignersMismatch.selector, 0));
        client.update(u);
        u = _update(0);
        u.nonSigners[0].branch[0] = bytes32(uint256(u.nonSigners[0].branch[0]) ^ 1);
        vm.expectRevert(
            abi.encodeWithSelector(EthereumLightClient.InvalidNonSignerBranch.selector, u.nonSigners[0].index)
        );
        client.update(u);
    }

    function test_update_refusesAnotherForkVersion() public {
        EthereumLightClient.Chain memory chain = _chain();
        chain.forkVersions[2] = 0x03000001; // Capella's version, wrong by one bit
        EthereumLightClient other = _deploy(chain);
        vm.expectRevert(EthereumLightClient.InvalidSignature.selector);
        other.update(_update(0));
    }

    function test_update_refusesAnUnknownCommitteeAndStaleUpdates() public {
        // Update 1 is signed by the next period's committee, unknown before update 0.
        EthereumLightClient.Update memory u = _update(1);
        vm.expectRevert(
            abi.encodeWithSelector(EthereumLightClient.UnknownCommittee.selector, client.periodAt(u.signatureSlot))
        );
        client.update(u);
        client.update(_update(0));
        vm.expectRevert(EthereumLightClient.UpdateNotNewer.selector);
        client.update(_update(0));
    }
}

/// @notice `gas.lightclient.update.512` for `make bench`: finality updates of the mainnet data
/// (512-member committee), each an isolated transaction under the `gas` profile.
contract LightClientGasBenchmark is LightClientFixture {
    string internal constant GROUP = "gas";

    function test_gas_lightclient_update() public {
        _load();
        EthereumLightClient client = _deploy(_chain());
        client.update(_update(0)); // learns the next committee; finalizes nothing new
        // 512 of 512 signed, carries the next committee, finalizes and rotates.
        client.update(_update(1));
        vm.snapshotGasLastCall(GROUP, "lightclient.update.512");
        client.update(_update(2)); // 511 of 512: one non-signer
        vm.snapshotGasLastCall(GROUP, "lightclient.update.512.one_non_signer");
        client.update(_update(3)); // 510 of 512: two non-signers
        vm.snapshotGasLastCall(GROUP, "lightclient.update.512.two_non_signers");
    }

    /// @dev The baseline: 512 keys stored per period, signers summed from storage (update 0, 511
    /// signers of the bootstrap committee).
    function test_gas_baseline_lightclient() public {
        _load();
        BaselineLightClient base = new BaselineLightClient();
        bytes[] memory keys = vm.parseJsonBytesArray(fixture, ".bootstrap.committeeKeys");
        base.storeCommittee(862, keys);
        vm.snapshotGasLastCall(GROUP, "baseline.lightclient.store_committee.512");
        string memory at = ".updates[0].update";
        bool ok = base.verifySignature(
            862,
            vm.parseJsonBytes(fixture, string.concat(at, ".participation")),
            vm.parseJsonBytes32(fixture, string.concat(at, ".signingRoot")),
            vm.parseJsonBytes(fixture, string.concat(at, ".signature"))
        );
        vm.snapshotGasLastCall(GROUP, "baseline.lightclient.update.512");
        assertTrue(ok, "the baseline verifies the same signature");
    }
}
