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

/// What changed for one operation call since the last [`TimelockFollower::sync`] (the position
/// of the change in [`TimelockFollower::changes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeEvent {
    /// Newly scheduled.
    Scheduled(usize),
    /// Its delay passed: it may run now.
    Ready(usize),
    /// Executed.
    Executed(usize),
    /// Cancelled.
    Cancelled(usize),
}

/// Follows a `TimelockController`'s events block range by block range, keeping every operation
/// call it scheduled with its state.
#[derive(Debug, Clone)]
pub struct TimelockFollower {
    provider: DynProvider,
    endpoint: String,
    timelock: Address,
    next_block: u64,
    max_range: u64,
    changes: Vec<ScheduledChange>,
    /// The time of the block of the newest `CallScheduled` read.
    last_block_time: Option<(u64, u64)>,
}

impl TimelockFollower {
    /// Most blocks asked for in one `eth_getLogs` (public endpoints refuse wider ranges).
    pub const MAX_LOG_RANGE: u64 = 10_000;

    /// A follower of the timelock at `timelock` on the chain behind `rpc`, from `from_block`.
    pub fn new(rpc: &Url, timelock: Address, from_block: u64) -> Self {
        Self {
            provider: ProviderBuilder::new().connect_http(rpc.clone()).erased(),
            endpoint: redact(rpc),
            timelock,
            next_block: from_block,
            max_range: Self::MAX_LOG_RANGE,
            changes: Vec::new(),
            last_block_time: None,
        }
    }

    /// Every operation call seen, oldest first.
    pub fn changes(&self) -> &[ScheduledChange] {
        &self.changes
    }

    /// The timelock's address.
    pub fn timelock(&self) -> Address {
        self.timelock
    }

    /// Reads the events up to the newest block and the newest block's time; returns what changed.
    pub async fn sync(&mut self) -> Result<Vec<ChangeEvent>> {
        let head = self
            .provider
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await
            .map_err(|e| self.rpc_error("eth_getBlockByNumber", &e))?
            .ok_or_else(|| self.bad("the node has no latest block".to_owned(), None))?;
        let mut events = Vec::new();
        while self.next_block <= head.header.number {
            let to = head
                .header
                .number
                .min(self.next_block.saturating_add(self.max_range - 1));
            let logs = self
                .provider
                .get_logs(
                    &Filter::new()
                        .address(self.timelock)
                        .event_signature(vec![
                            CallScheduled::SIGNATURE_HASH,
                            CallExecuted::SIGNATURE_HASH,
                            Cancelled::SIGNATURE_HASH,
                        ])
                        .from_block(self.next_block)
                        .to_block(to),
                )
                .await
                .map_err(|e| self.rpc_error("eth_getLogs", &e))?;
            let mut logs = logs;
            logs.sort_by_key(|l| (l.block_number, l.log_index));
            for log in &logs {
                self.apply(log, &mut events).await?;
            }
            self.next_block = to + 1;
        }
        let now = head.header.timestamp;
        for (i, c) in self.changes.iter_mut().enumerate() {
            if c.state == ChangeState::Pending && now >= c.ready_at {
                c.state = ChangeState::Ready;
                events.push(ChangeEvent::Ready(i));
            }
        }
        Ok(events)
    }

    async fn apply(
        &mut self,
        log: &alloy::rpc::types::Log,
        events: &mut Vec<ChangeEvent>,
    ) -> Result<()> {
        let tx = log.transaction_hash;
        match log.topic0() {
            Some(t) if *t == CallScheduled::SIGNATURE_HASH => {
                let e = CallScheduled::decode_log(&log.inner)
                    .map_err(|e| self.bad(format!("a CallScheduled event: {e}"), tx))?;
                let block = log
                    .block_number
                    .ok_or_else(|| self.bad("a log without a block".to_owned(), tx))?;
                // A batch schedules its calls in one block: its time is read once.
                let at = match self.last_block_time {
                    Some((number, time)) if number == block => time,
                    _ => {
                        let time = self
                            .provider
                            .get_block_by_number(block.into())
                            .await
                            .map_err(|e| self.rpc_error("eth_getBlockByNumber", &e))?
                            .map(|b| b.header.timestamp)
                            .ok_or(Error::MissingBlock {
                                endpoint: self.endpoint.clone(),
                                number: block,
                            })?;
                        self.last_block_time = Some((block, time));
                        time
                    }
                };
                self.changes.push(ScheduledChange {
                    id: e.data.id,
                    index: e.data.index,
                    target: e.data.target,
                    value: e.data.value,
                    call: describe_call(&e.data.data),
                    data: e.data.data.clone(),
                    scheduled_block: block,
                    ready_at: at.saturating_add(u64::try_from(e.data.delay).unwrap_or(u64::MAX)),
                    state: ChangeState::Pending,
                });
                events.push(ChangeEvent::Scheduled(self.changes.len() - 1));
            }
            Some(t) if *t == CallExecuted::SIGNATURE_HASH => {
                let e = CallExecuted::decode_log(&log.inner)
                    .map_err(|e| self.bad(format!("a CallExecuted event: {e}"), tx))?;
                // An operation scheduled again after an earlier run: the newest one ran.
                if let Some(i) = self
                    .changes
                    .iter()
                    .rposition(|c| c.id == e.data.id && c.index == e.data.index)
                {
                    self.changes[i].state = ChangeState::Executed;
                    events.push(ChangeEvent::Executed(i));
                }
            }
            Some(t) if *t == Cancelled::SIGNATURE_HASH => {
                let e = Cancelled::decode_log(&log.inner)
                    .map_err(|e| self.bad(format!("a Cancelled event: {e}"), tx))?;
                for (i, c) in self.changes.iter_mut().enumerate() {
                    if c.id == e.data.id
                        && matches!(c.state, ChangeState::Pending | ChangeState::Ready)
                    {
                        c.state = ChangeState::Cancelled;
                        events.push(ChangeEvent::Cancelled(i));
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn rpc_error(&self, operation: &'static str, e: &alloy::transports::TransportError) -> Error {
        crate::evm::rpc_error(&self.endpoint, operation, e)
    }

    fn bad(&self, reason: String, tx: Option<B256>) -> Error {
        Error::BadLog {
            endpoint: self.endpoint.clone(),
            tx: tx.map_or_else(|| "unknown".to_owned(), |t| t.to_string()),
            reason,
        }
    }
}

/// Every operation `timelock` scheduled from block `from_block` on, oldest first, with its state
/// as of the newest block.
pub async fn scheduled_changes(
    rpc: &Url,
    timelock: Address,
    from_block: u64,
) -> Result<Vec<ScheduledChange>> {
    let mut follower = TimelockFollower::new(rpc, timelock, from_block);
    follower.sync().await?;
    Ok(follower.changes)
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
