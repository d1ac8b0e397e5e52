//! Configuration changes announced by a `TimelockController` (OpenZeppelin's), as users see them
//! coming: every operation scheduled, when it can run, whether it ran or was cancelled, and what
//! it does to which contract, decoded against Courier's contracts.

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::Filter,
    sol_types::{SolEvent, SolInterface},
};
use courier_bindings::{
    AggregationVerifier, CommitteeVerifier, EthereumLightClient, HelloApp, LightClientVerifier,
    Mailbox, OptimisticVerifier, ProposerBond, RelayerFees, RoutingVerifier,
    TimelockController::{CallExecuted, CallScheduled, Cancelled},
    ValidatorStaking,
};
use url::Url;

use crate::{Error, Result, evm::redact};

/// Where a scheduled operation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeState {
    /// Scheduled; its delay has not passed yet.
    Pending,
    /// Its delay has passed; anyone allowed may execute it now.
    Ready,
    /// Executed.
    Executed,
    /// Cancelled before it ran.
    Cancelled,
}

impl std::fmt::Display for ChangeState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Pending => "pending",
            Self::Ready => "ready",
            Self::Executed => "executed",
            Self::Cancelled => "cancelled",
        })
    }
}

/// One call of a scheduled operation (a batch has several, sharing the operation id).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduledChange {
    /// The operation id.
    pub id: B256,
    /// The call's position in its operation.
    pub index: U256,
    /// The contract called.
    pub target: Address,
    /// Wei sent with the call.
    pub value: U256,
    /// The call data.
    pub data: Bytes,
    /// What the call does, decoded against Courier's contracts (else its selector).
    pub call: String,
    /// The block the operation was scheduled in.
    pub scheduled_block: u64,
    /// When it can run first (unix seconds): the scheduling block's time plus the delay.
    pub ready_at: u64,
    /// Where it stands.
    pub state: ChangeState,
}

/// Every operation `timelock` scheduled from block `from_block` on, oldest first, with its state
/// as of the newest block.
pub async fn scheduled_changes(
    rpc: &Url,
    timelock: Address,
    from_block: u64,
) -> Result<Vec<ScheduledChange>> {
    let endpoint = redact(rpc);
    let provider: DynProvider = ProviderBuilder::new().connect_http(rpc.clone()).erased();
    let rpc_error = |operation: &'static str, e: &alloy::transports::TransportError| {
        crate::evm::rpc_error(&endpoint, operation, e)
    };
    let logs = |signature: B256| {
        let provider = provider.clone();
        async move {
            provider
                .get_logs(
                    &Filter::new()
                        .address(timelock)
                        .event_signature(signature)
                        .from_block(from_block),
                )
                .await
        }
    };
    let scheduled = logs(CallScheduled::SIGNATURE_HASH)
        .await
        .map_err(|e| rpc_error("eth_getLogs", &e))?;
    let executed = logs(CallExecuted::SIGNATURE_HASH)
        .await
        .map_err(|e| rpc_error("eth_getLogs", &e))?;
    let cancelled = logs(Cancelled::SIGNATURE_HASH)
        .await
        .map_err(|e| rpc_error("eth_getLogs", &e))?;
    let bad = |reason: String, tx: Option<B256>| Error::BadLog {
        endpoint: endpoint.clone(),
        tx: tx.map_or_else(|| "unknown".to_owned(), |t| t.to_string()),
        reason,
    };
    let mut ran = std::collections::HashSet::new();
    for log in &executed {
        let e = CallExecuted::decode_log(&log.inner)
            .map_err(|e| bad(format!("a CallExecuted event: {e}"), log.transaction_hash))?;
        ran.insert((e.data.id, e.data.index));
    }
    let mut dropped = std::collections::HashSet::new();
    for log in &cancelled {
        let e = Cancelled::decode_log(&log.inner)
            .map_err(|e| bad(format!("a Cancelled event: {e}"), log.transaction_hash))?;
        dropped.insert(e.data.id);
    }
    let now = provider
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await
        .map_err(|e| rpc_error("eth_getBlockByNumber", &e))?
        .map(|b| b.header.timestamp)
        .ok_or_else(|| bad("the node has no latest block".to_owned(), None))?;
    let mut times = std::collections::HashMap::new();
    let mut changes = Vec::with_capacity(scheduled.len());
    for log in &scheduled {
        let e = CallScheduled::decode_log(&log.inner)
            .map_err(|e| bad(format!("a CallScheduled event: {e}"), log.transaction_hash))?;
        let block = log
            .block_number
            .ok_or_else(|| bad("a log without a block".to_owned(), log.transaction_hash))?;
        let at = match times.get(&block) {
            Some(t) => *t,
            None => {
                let t = provider
                    .get_block_by_number(block.into())
                    .await
                    .map_err(|e| rpc_error("eth_getBlockByNumber", &e))?
                    .map(|b| b.header.timestamp)
                    .ok_or(Error::MissingBlock {
                        endpoint: endpoint.clone(),
                        number: block,
                    })?;
                times.insert(block, t);
                t
            }
        };
        let ready_at = at.saturating_add(u64::try_from(e.data.delay).unwrap_or(u64::MAX));
        let state = if ran.contains(&(e.data.id, e.data.index)) {
            ChangeState::Executed
        } else if dropped.contains(&e.data.id) {
            ChangeState::Cancelled
        } else if now >= ready_at {
            ChangeState::Ready
        } else {
            ChangeState::Pending
        };
        changes.push(ScheduledChange {
            id: e.data.id,
            index: e.data.index,
            target: e.data.target,
            value: e.data.value,
            call: describe_call(&e.data.data),
            data: e.data.data.clone(),
            scheduled_block: block,
            ready_at,
            state,
        });
    }
    Ok(changes)
}

/// What `data` calls, decoded against Courier's contracts: the function's signature and its
/// arguments; the bare selector when no Courier contract has it.
pub fn describe_call(data: &[u8]) -> String {
    macro_rules! try_contract {
        ($($calls:ty),*) => {
            $(
                if let Ok(call) = <$calls>::abi_decode(data)
                    && let Some(signature) = <$calls>::signature_by_selector(call.selector())
                {
                    // `name(nameCall { a: .., b: .. })`: keep the fields.
                    let debug = format!("{call:?}");
                    let fields = debug
                        .find('{')
                        .map_or("", |i| debug[i..].strip_suffix(')').unwrap_or(&debug[i..]));
                    return format!("{signature} {fields}").trim_end().to_owned();
                }
            )*
        };
    }
    try_contract!(
        CommitteeVerifier::CommitteeVerifierCalls,
        OptimisticVerifier::OptimisticVerifierCalls,
        RoutingVerifier::RoutingVerifierCalls,
        LightClientVerifier::LightClientVerifierCalls,
        AggregationVerifier::AggregationVerifierCalls,
        Mailbox::MailboxCalls,
        RelayerFees::RelayerFeesCalls,
        ProposerBond::ProposerBondCalls,
        ValidatorStaking::ValidatorStakingCalls,
        EthereumLightClient::EthereumLightClientCalls,
        HelloApp::HelloAppCalls
    );
    match data.get(..4) {
        Some(selector) => format!(
            "unknown function 0x{} ({} bytes of arguments)",
            alloy::primitives::hex::encode(selector),
            data.len() - 4
        ),
        None => format!("no function ({} bytes)", data.len()),
    }
}

#[cfg(test)]
mod tests {
    use alloy::sol_types::SolCall;

    use super::*;

    #[test]
    fn courier_calls_are_named_with_their_arguments() {
        let call = CommitteeVerifier::setCommitteeCall {
            origin: 1,
            originMailbox: B256::repeat_byte(0x11),
            threshold: 3,
            validators: vec![Address::repeat_byte(0xaa)],
        }
        .abi_encode();
        let text = describe_call(&call);
        assert!(
            text.starts_with("setCommittee(uint64,bytes32,uint8,address[])"),
            "{text}"
        );
        assert!(
            text.contains("{ origin: 1, ") && text.contains("threshold: 3"),
            "{text}"
        );
        let accept = CommitteeVerifier::acceptOwnershipCall {}.abi_encode();
        assert_eq!(describe_call(&accept), "acceptOwnership()");
        let window = OptimisticVerifier::setRouteCall {
            origin: 7,
            originMailbox: B256::repeat_byte(1),
            window: 1800,
        }
        .abi_encode();
        assert!(describe_call(&window).contains("window: 1800"));
        assert_eq!(
            describe_call(&[0xde, 0xad, 0xbe, 0xef, 0]),
            "unknown function 0xdeadbeef (1 bytes of arguments)"
        );
        assert_eq!(describe_call(&[1, 2]), "no function (2 bytes)");
    }
}
