//! Courier's configuration: one typed structure, layered as defaults < TOML file < environment
//! (`COURIER_…`, with `__` between levels, e.g. `COURIER_CHAINS__ALPHA__RPC`) < flags.
//! [`load`] reports every problem at once, each with the path of the key it is about.

use std::{collections::BTreeMap, path::Path, time::Duration};

use alloy_primitives::Address;
use courier_chain::Finality;
use figment::{
    Figment,
    providers::{Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};
use url::Url;

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CourierConfig {
    /// Where agents keep their databases and checkpoints.
    pub data_dir: std::path::PathBuf,
    /// The chains, by name.
    pub chains: BTreeMap<String, ChainConfig>,
    /// Run a validator.
    pub validator: Option<ValidatorSection>,
    /// Run a relayer.
    pub relayer: Option<RelayerSection>,
    /// Run a watcher of an optimistic route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watcher: Option<WatcherSection>,
    /// The verifiers deployed on the configured chains, by name, as they are configured on-chain
    /// (checked against the safety rails; see `courier_core::safety`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub verifiers: BTreeMap<String, VerifierSection>,
    /// Applications and the verifier each uses, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub apps: BTreeMap<String, AppSection>,
}

impl Default for CourierConfig {
    fn default() -> Self {
        Self {
            data_dir: ".courier/data".into(),
            chains: BTreeMap::new(),
            validator: None,
            relayer: None,
            watcher: None,
            verifiers: BTreeMap::new(),
            apps: BTreeMap::new(),
        }
    }
}

/// A verifier as configured on its chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum VerifierSection {
    /// A `CommitteeVerifier`'s committee for one origin.
    Committee {
        /// The chain (name) it is deployed on.
        chain: String,
        /// Its address.
        address: Address,
        /// Signatures needed.
        threshold: usize,
        /// The members.
        validators: Vec<Address>,
    },
    /// An optimistic verifier's route.
    Optimistic {
        /// The chain (name) it is deployed on.
        chain: String,
        /// Its address.
        address: Address,
        /// The dispute window, e.g. "30m".
        #[serde(with = "humantime_serde")]
        window: Duration,
        /// Who may veto.
        watchers: Vec<Address>,
        /// Who may claim.
        proposers: Vec<Address>,
    },
    /// A light client of the origin's consensus.
    LightClient {
        /// The chain (name) it is deployed on.
        chain: String,
        /// Its address.
        address: Address,
    },
    /// `require` of the named verifiers must accept.
    Aggregation {
        /// The chain (name) it is deployed on.
        chain: String,
        /// Its address.
        address: Address,
        /// How many must accept.
        require: usize,
        /// The verifiers (names in `verifiers`).
        of: Vec<String>,
    },
}

impl VerifierSection {
    /// Its kind, as written in the file.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Committee { .. } => "committee",
            Self::Optimistic { .. } => "optimistic",
            Self::LightClient { .. } => "light-client",
            Self::Aggregation { .. } => "aggregation",
        }
    }

    /// The chain it is deployed on.
    pub fn chain(&self) -> &str {
        match self {
            Self::Committee { chain, .. }
            | Self::Optimistic { chain, .. }
            | Self::LightClient { chain, .. }
            | Self::Aggregation { chain, .. } => chain,
        }
    }
}

/// An application: a recipient contract and the verifier it chose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppSection {
    /// The chain (name) it lives on.
    pub chain: String,
    /// Its address.
    pub address: Address,
    /// Its verifier (a name in `verifiers`).
    pub verifier: String,
}

/// One chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainConfig {
    /// Its chain id.
    pub domain: u64,
    /// Its JSON-RPC endpoint (http or https).
    pub rpc: Url,
    /// When its blocks are final: `{ depth = N }` or `"finalized"` (the node's finalized tag).
    pub finality: Finality,
    /// Its Mailbox.
    pub mailbox: Address,
    /// The block the Mailbox was deployed in (indexing starts there).
    #[serde(default)]
    pub deploy_block: u64,
    /// Its block time, e.g. "12s" (paces polling).
    #[serde(with = "humantime_serde")]
    pub block_time: Duration,
    /// Its `RelayerFees`, where senders pay for their messages' delivery (read by a relayer with
    /// `min_payment_wei`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relayer_fees: Option<Address>,
}

/// The validator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidatorSection {
    /// The environment variable holding the validator's private key (hex). Keys never sit in
    /// the file.
    pub key_env: String,
    /// The chains (names) whose Mailboxes it signs checkpoints of.
    pub origins: Vec<String>,
}

/// The relayer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelayerSection {
    /// The environment variable holding the relayer's private key (hex).
    pub key_env: String,
    /// Most messages in one delivery transaction.
    #[serde(default = "default_batch_max")]
    pub batch_max: usize,
    /// Deliver only messages paid for with at least this many wei on their origin's
    /// `RelayerFees` (`chains.<origin>.relayer_fees`); absent: deliver every message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_payment_wei: Option<u64>,
}

/// The watcher of one origin's optimistic route: it judges every claim posted on the listed
/// verifiers against the origin, vetoes the false ones and proves the fraud on the origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatcherSection {
    /// The environment variable holding the watcher's private key (hex). Its address must be
    /// among the watchers of every listed verifier, or its vetoes would be refused.
    pub key_env: String,
    /// The origin chain (name) whose claims it checks.
    pub origin: String,
    /// The `ProposerBond` on the origin, where fraud is proven.
    pub proposer_bond: Address,
    /// The optimistic verifiers (names in `verifiers`) whose claims it watches.
    pub verifiers: Vec<String>,
    /// More RPC endpoints of the origin, besides `chains.<origin>.rpc`, ideally run by other
    /// providers: every claim is judged by each, and endpoints that disagree are an alarm and a
    /// veto, never a pass.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<Url>,
    /// The committee's `ValidatorStaking`, if equivocating validators should be slashed too
    /// (checked from the checkpoints in `data_dir`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validator_staking: Option<ContractAt>,
    /// Timelocks (owners of Courier's contracts) whose scheduled changes it announces: a
    /// `CONFIGURATION CHANGE SCHEDULED` line and `courier_watcher_changes_scheduled_total`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timelocks: Vec<ContractAt>,
}

/// Where a contract is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractAt {
    /// The chain (name) it is deployed on.
    pub chain: String,
    /// Its address.
    pub address: Address,
}

fn default_batch_max() -> usize {
    100
}

/// The keys a configuration file may have at its top level.
const TOP_LEVEL_KEYS: [&str; 7] = [
    "data_dir",
    "chains",
    "validator",
    "relayer",
    "watcher",
    "verifiers",
    "apps",
];

/// Deepest confirmation rule accepted (about two weeks of 1-second blocks).
const MAX_DEPTH: u64 = 1_000_000;

/// Loads the configuration from `file` and the environment, and checks it. The error lists every
/// problem found, one per line, each starting with the key's path.
pub fn load(file: &Path, env: &[(String, String)]) -> Result<CourierConfig, Vec<String>> {
    load_for(file, env, Keys::All)
}

/// Whose keys must be present in the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keys {
    /// Every configured agent's (`courier config validate`).
    All,
    /// The validator's only (`courier validator run`).
    Validator,
    /// The relayer's only (`courier relayer run`).
    Relayer,
    /// The watcher's only (`courier watcher run`).
    Watcher,
}

/// [`load`], checking only the keys of the agent about to run.
pub fn load_for(
    file: &Path,
    env: &[(String, String)],
    keys: Keys,
) -> Result<CourierConfig, Vec<String>> {
    if !file.exists() {
        return Err(vec![format!("{}: no such file", file.display())]);
    }
    let mut figment =
        Figment::from(Serialized::defaults(CourierConfig::default())).merge(Toml::file(file));
    // The environment is passed in (rather than read) so tests do not depend on the process.
    for (key, raw) in env {
        let Some(rest) = key.strip_prefix("COURIER_") else {
            continue;
        };
        let path = rest.to_lowercase().replace("__", ".");
        // Only variables that name a configuration key (`COURIER_DATA_DIR`, or a path below a
        // section); others, such as `COURIER_RELAYER_KEY` holding a key, are not configuration.
        let first = path.split('.').next().unwrap_or_default();
        if !TOP_LEVEL_KEYS.contains(&first) || (first != "data_dir" && !path.contains('.')) {
            continue;
        }
        figment = figment.merge((path, env_value(raw)));
    }
    // Each section on its own, so that one bad key does not hide the others.
    let mut problems = Vec::new();
    // Errors of a section extracted on its own carry the section's path after the key's; put it
    // first, as the file reads.
    let describe_in = |prefix: &str, e: figment::Error| {
        let prefix: Vec<&str> = prefix.split('.').filter(|p| !p.is_empty()).collect();
        e.into_iter()
            .map(|e| {
                let mut parts: Vec<String> = e.path.clone();
                if parts.len() >= prefix.len()
                    && parts[parts.len() - prefix.len()..].iter().eq(prefix.iter())
                {
                    parts.truncate(parts.len() - prefix.len());
                }
                let full: Vec<String> = prefix
                    .iter()
                    .map(|p| (*p).to_owned())
                    .chain(parts)
                    .collect();
                let path = if full.is_empty() {
                    "(top level)".to_owned()
                } else {
                    full.join(".")
                };
                format!("{path}: {}", e.kind)
            })
            .collect::<Vec<_>>()
    };
    let describe = |e: figment::Error| describe_in("", e);
    match figment.find_value("") {
        Ok(figment::value::Value::Dict(_, top)) => {
            for key in top.keys() {
                if !TOP_LEVEL_KEYS.contains(&key.as_str()) {
                    problems.push(format!(
                        "{key}: unknown key (expected data_dir, chains, validator, relayer, watcher, verifiers or apps)"
                    ));
                }
            }
            if let Some(figment::value::Value::Dict(_, chains)) = top.get("chains") {
                for name in chains.keys() {
                    let section = format!("chains.{name}");
                    if let Err(e) = figment.extract_inner::<ChainConfig>(&section) {
                        problems.extend(describe_in(&section, e));
                    }
                }
            }
            for (key, table) in [("verifiers", true), ("apps", false)] {
                if let Some(figment::value::Value::Dict(_, entries)) = top.get(key) {
                    for name in entries.keys() {
                        let section = format!("{key}.{name}");
                        let result = if table {
                            figment
                                .extract_inner::<VerifierSection>(&section)
                                .map(|_| ())
                        } else {
                            figment.extract_inner::<AppSection>(&section).map(|_| ())
                        };
                        if let Err(e) = result {
                            problems.extend(describe_in(&section, e));
                        }
                    }
                }
            }
            if top
                .get("validator")
                .is_some_and(|v| matches!(v, figment::value::Value::Dict(..)))
                && let Err(e) = figment.extract_inner::<ValidatorSection>("validator")
            {
                problems.extend(describe_in("validator", e));
            }
            if top
                .get("relayer")
                .is_some_and(|v| matches!(v, figment::value::Value::Dict(..)))
                && let Err(e) = figment.extract_inner::<RelayerSection>("relayer")
            {
                problems.extend(describe_in("relayer", e));
            }
            if top
                .get("watcher")
                .is_some_and(|v| matches!(v, figment::value::Value::Dict(..)))
                && let Err(e) = figment.extract_inner::<WatcherSection>("watcher")
            {
                problems.extend(describe_in("watcher", e));
            }
        }
        Ok(_) => problems.push("(top level): not a table".to_owned()),
        Err(e) => problems.extend(describe(e)),
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let config: CourierConfig = figment.extract().map_err(describe)?;
    let problems = check(&config, env, keys);
    if problems.is_empty() {
        Ok(config)
    } else {
        Err(problems)
    }
}

/// An environment value as TOML would read it (numbers, booleans, inline tables), else a string.
fn env_value(raw: &str) -> figment::value::Value {
    let parsed: Option<toml::Value> = toml::from_str::<toml::Table>(&format!("v = {raw}"))
        .ok()
        .and_then(|mut t| t.remove("v"));
    match parsed {
        Some(v) => figment::value::Value::serialize(v).unwrap_or_else(|_| raw.into()),
        None => raw.into(),
    }
}

/// Checks what types cannot: distinct chain ids, usable endpoints and addresses, known names.
pub fn check(config: &CourierConfig, env: &[(String, String)], keys: Keys) -> Vec<String> {
    let mut problems = Vec::new();
    if config.chains.is_empty() {
        problems.push("chains: no chain configured".to_owned());
    }
    let mut seen: BTreeMap<u64, &str> = BTreeMap::new();
    for (name, chain) in &config.chains {
        let at = |key: &str| format!("chains.{name}.{key}");
        if chain.domain == 0 {
            problems.push(format!("{}: 0 is not a chain id", at("domain")));
        }
        if let Some(other) = seen.insert(chain.domain, name) {
            problems.push(format!(
                "{}: chain id {} is also used by chains.{other}",
                at("domain"),
                chain.domain
            ));
        }
        if !matches!(chain.rpc.scheme(), "http" | "https") {
            problems.push(format!(
                "{}: scheme {:?} is not supported (use http or https)",
                at("rpc"),
                chain.rpc.scheme()
            ));
        }
        if chain.mailbox == Address::ZERO {
            problems.push(format!(
                "{}: the zero address is not a Mailbox",
                at("mailbox")
            ));
        }
        if let Finality::Depth(depth) = chain.finality
            && depth > MAX_DEPTH
        {
            problems.push(format!(
                "{}: depth {depth} is more than {MAX_DEPTH}",
                at("finality")
            ));
        }
        if chain.block_time.is_zero() {
            problems.push(format!("{}: must be more than zero", at("block_time")));
        }
    }
    let has_env = |name: &str| env.iter().any(|(k, v)| k == name && !v.is_empty());
    if let Some(v) = &config.validator {
        for (i, origin) in v.origins.iter().enumerate() {
            if !config.chains.contains_key(origin) {
                problems.push(format!("validator.origins[{i}]: no chain named {origin:?}"));
            }
        }
        if v.origins.is_empty() {
            problems.push("validator.origins: a validator needs at least one origin".to_owned());
        }
        if matches!(keys, Keys::All | Keys::Validator) && !has_env(&v.key_env) {
            problems.push(format!(
                "validator.key_env: environment variable {} is not set",
                v.key_env
            ));
        }
    }
    if let Some(r) = &config.relayer {
        if r.batch_max == 0 || r.batch_max > 500 {
            problems.push(format!(
                "relayer.batch_max: {} is outside 1..=500",
                r.batch_max
            ));
        }
        if r.min_payment_wei == Some(0) {
            problems.push(
                "relayer.min_payment_wei: 0 would deliver unpaid messages too; leave it out to deliver every message"
                    .to_owned(),
            );
        }
        if r.min_payment_wei.is_some() {
            for (name, chain) in &config.chains {
                if chain.relayer_fees.is_none() {
                    problems.push(format!(
                        "chains.{name}.relayer_fees: the relayer delivers only paid messages (relayer.min_payment_wei), but this chain has no RelayerFees: nothing from it would ever be delivered"
                    ));
                }
            }
        }
        if matches!(keys, Keys::All | Keys::Relayer) && !has_env(&r.key_env) {
            problems.push(format!(
                "relayer.key_env: environment variable {} is not set",
                r.key_env
            ));
        }
    }
    if let Some(w) = &config.watcher {
        check_watcher(config, w, env, keys, &mut problems);
    }
    check_security(config, &mut problems);
    problems
}

/// The watcher's section: names that exist, verifiers it may veto on, endpoints it can use.
fn check_watcher(
    config: &CourierConfig,
    w: &WatcherSection,
    env: &[(String, String)],
    keys: Keys,
    problems: &mut Vec<String>,
) {
    let origin = config.chains.get(&w.origin);
    if origin.is_none() {
        problems.push(format!("watcher.origin: no chain named {:?}", w.origin));
    }
    if w.proposer_bond == Address::ZERO {
        problems.push("watcher.proposer_bond: the zero address is not a ProposerBond".to_owned());
    }
    if w.verifiers.is_empty() {
        problems.push(
            "watcher.verifiers: nothing to watch (name at least one optimistic verifier)"
                .to_owned(),
        );
    }
    // The key's address, when the key is there to read (a bad key is a problem of its own).
    let key = env
        .iter()
        .find(|(k, v)| *k == w.key_env && !v.is_empty())
        .map(|(_, v)| v.trim().parse::<alloy::signers::local::PrivateKeySigner>());
    let address = match key {
        Some(Ok(signer)) => Some(signer.address()),
        Some(Err(_)) => {
            if matches!(keys, Keys::All | Keys::Watcher) {
                problems.push(format!(
                    "watcher.key_env: {} does not hold a hex private key",
                    w.key_env
                ));
            }
            None
        }
        None => {
            if matches!(keys, Keys::All | Keys::Watcher) {
                problems.push(format!(
                    "watcher.key_env: environment variable {} is not set",
                    w.key_env
                ));
            }
            None
        }
    };
    for (i, name) in w.verifiers.iter().enumerate() {
        match config.verifiers.get(name) {
            None => problems.push(format!(
                "watcher.verifiers[{i}]: no verifier named {name:?}"
            )),
            Some(VerifierSection::Optimistic {
                chain, watchers, ..
            }) => {
                if *chain == w.origin {
                    problems.push(format!(
                        "watcher.verifiers[{i}]: {name:?} is on the origin {chain:?} itself; claims of an origin are posted on other chains"
                    ));
                }
                if let Some(a) = address
                    && !watchers.contains(&a)
                {
                    problems.push(format!(
                        "watcher.verifiers[{i}]: {a} (the key in {}) is not among the watchers of {name:?}: its vetoes would be refused",
                        w.key_env
                    ));
                }
            }
            Some(other) => problems.push(format!(
                "watcher.verifiers[{i}]: {name:?} is a {} verifier, not an optimistic one",
                other.kind()
            )),
        }
    }
    for (i, url) in w.endpoints.iter().enumerate() {
        if !matches!(url.scheme(), "http" | "https") {
            problems.push(format!(
                "watcher.endpoints[{i}]: scheme {:?} is not supported (use http or https)",
                url.scheme()
            ));
        }
        if origin.is_some_and(|o| o.rpc == *url) || w.endpoints[..i].contains(url) {
            problems.push(format!(
                "watcher.endpoints[{i}]: {} is listed already; a second look through the same endpoint checks nothing",
                courier_chain::evm::redact(url)
            ));
        }
    }
    for (i, t) in w.timelocks.iter().enumerate() {
        if !config.chains.contains_key(&t.chain) {
            problems.push(format!(
                "watcher.timelocks[{i}].chain: no chain named {:?}",
                t.chain
            ));
        }
        if t.address == Address::ZERO {
            problems.push(format!(
                "watcher.timelocks[{i}].address: the zero address is not a timelock"
            ));
        }
    }
    if let Some(s) = &w.validator_staking {
        if !config.chains.contains_key(&s.chain) {
            problems.push(format!(
                "watcher.validator_staking.chain: no chain named {:?}",
                s.chain
            ));
        }
        if s.address == Address::ZERO {
            problems.push(
                "watcher.validator_staking.address: the zero address is not a ValidatorStaking"
                    .to_owned(),
            );
        }
    }
}

/// The safety rails (`courier_core::safety`): committees, windows, and applications one signer
/// could satisfy; also names that point nowhere.
fn check_security(config: &CourierConfig, problems: &mut Vec<String>) {
    use courier_core::safety::{self, MIN_DISPUTE_WINDOW};
    for (name, v) in &config.verifiers {
        let at = |key: &str| format!("verifiers.{name}.{key}");
        if !config.chains.contains_key(v.chain()) {
            problems.push(format!("{}: no chain named {:?}", at("chain"), v.chain()));
        }
        match v {
            VerifierSection::Committee {
                threshold,
                validators,
                ..
            } => {
                for p in safety::check_committee(*threshold, validators) {
                    problems.push(format!("verifiers.{name}: {p}"));
                }
            }
            VerifierSection::Optimistic {
                window,
                watchers,
                proposers,
                ..
            } => {
                for p in safety::check_optimistic(*window, watchers.len(), MIN_DISPUTE_WINDOW) {
                    problems.push(format!("verifiers.{name}: {p}"));
                }
                if proposers.is_empty() {
                    problems.push(format!(
                        "{}: no proposer: nothing could be claimed",
                        at("proposers")
                    ));
                }
            }
            VerifierSection::LightClient { .. } => {}
            VerifierSection::Aggregation {
                require, of, chain, ..
            } => {
                if *require == 0 || *require > of.len() {
                    problems.push(format!(
                        "{}: {require} of {} verifiers can never work (1 to {} accepted)",
                        at("require"),
                        of.len(),
                        of.len()
                    ));
                }
                for (i, part) in of.iter().enumerate() {
                    match config.verifiers.get(part) {
                        None => {
                            problems.push(format!("{}[{i}]: no verifier named {part:?}", at("of")))
                        }
                        Some(p) if p.chain() != chain => problems.push(format!(
                            "{}[{i}]: {part:?} is on chain {:?}, this aggregation on {chain:?}",
                            at("of"),
                            p.chain()
                        )),
                        Some(_) => {}
                    }
                }
            }
        }
    }
    for (name, app) in &config.apps {
        let at = |key: &str| format!("apps.{name}.{key}");
        if !config.chains.contains_key(&app.chain) {
            problems.push(format!("{}: no chain named {:?}", at("chain"), app.chain));
        }
        let Some(verifier) = config.verifiers.get(&app.verifier) else {
            problems.push(format!(
                "{}: no verifier named {:?}",
                at("verifier"),
                app.verifier
            ));
            continue;
        };
        if verifier.chain() != app.chain {
            problems.push(format!(
                "{}: {:?} is on chain {:?}, the app on {:?}",
                at("verifier"),
                app.verifier,
                verifier.chain(),
                app.chain
            ));
        }
        match trust(config, &app.verifier, 0) {
            Some(t) if t.single_signer() => problems.push(format!(
                "apps.{name}: {}",
                safety::Unsafe::SingleSigner {
                    verifier: app.verifier.clone()
                }
            )),
            Some(_) => {}
            None => problems.push(format!(
                "{}: cannot tell what {:?} trusts: a verifier it names is missing, or they nest in a cycle",
                at("verifier"),
                app.verifier
            )),
        }
    }
}

/// What `name` trusts, following aggregations (at most 8 deep: deeper is a cycle or a mistake).
fn trust(config: &CourierConfig, name: &str, depth: usize) -> Option<courier_core::safety::Trust> {
    use courier_core::safety::Trust;
    if depth > 8 {
        return None;
    }
    Some(match config.verifiers.get(name)? {
        VerifierSection::Committee {
            threshold,
            validators,
            ..
        } => Trust::Signers {
            threshold: *threshold,
            signers: validators.clone(),
        },
        // Unwatched, a claim is a proposer's word alone.
        VerifierSection::Optimistic {
            watchers,
            proposers,
            ..
        } if watchers.is_empty() => Trust::Signers {
            threshold: 1,
            signers: proposers.clone(),
        },
        VerifierSection::Optimistic { .. } | VerifierSection::LightClient { .. } => {
            Trust::Consensus
        }
        VerifierSection::Aggregation { require, of, .. } => Trust::AtLeast {
            required: *require,
            parts: of
                .iter()
                .map(|p| trust(config, p, depth + 1))
                .collect::<Option<Vec<_>>>()?,
        },
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
data_dir = "/var/lib/courier"

[chains.ethereum]
domain = 1
rpc = "https://eth.example/rpc"
finality = "finalized"
mailbox = "0x1111111111111111111111111111111111111111"
deploy_block = 100
block_time = "12s"

[chains.bnb]
domain = 56
rpc = "https://bnb.example/rpc"
finality = { depth = 15 }
mailbox = "0x2222222222222222222222222222222222222222"
block_time = "3s"

[relayer]
key_env = "RELAYER_KEY"
"#;

    fn write(text: &str) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), text).unwrap();
        f
    }

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_good_file_loads() {
        let f = write(GOOD);
        let c = load(f.path(), &env(&[("RELAYER_KEY", "0xabc")])).unwrap();
        assert_eq!(c.chains["bnb"].finality, Finality::Depth(15));
        assert_eq!(c.chains["ethereum"].finality, Finality::Finalized);
        assert_eq!(c.chains["ethereum"].block_time, Duration::from_secs(12));
        assert_eq!(c.relayer.unwrap().batch_max, 100);
    }

    #[test]
    fn the_environment_overrides_the_file() {
        let f = write(GOOD);
        let c = load(
            f.path(),
            &env(&[
                ("RELAYER_KEY", "k"),
                ("COURIER_CHAINS__BNB__RPC", "https://other.example/"),
                ("COURIER_DATA_DIR", "/tmp/x"),
                ("COURIER_RELAYER_KEY", "0x12"),
            ]),
        )
        .unwrap();
        assert_eq!(c.chains["bnb"].rpc.as_str(), "https://other.example/");
        assert_eq!(c.data_dir, std::path::PathBuf::from("/tmp/x"));
    }

    #[test]
    fn every_bad_key_is_named_with_its_path() {
        let bad = GOOD
            .replace(
                "mailbox = \"0x2222222222222222222222222222222222222222\"",
                "mailbox = \"0x22\"",
            )
            .replace(
                "deploy_block = 100",
                "deploy_block = 100\nconfirmations = 3",
            );
        let f = write(&bad);
        let errors = load(f.path(), &env(&[("RELAYER_KEY", "k")])).unwrap_err();
        let text = errors.join("\n");
        assert!(text.contains("chains.bnb.mailbox"), "{text}");
        assert!(
            text.contains("chains.ethereum") && text.contains("confirmations"),
            "{text}"
        );
    }

    #[test]
    fn semantic_problems_are_all_reported() {
        let bad = GOOD
            .replace("domain = 56", "domain = 1")
            .replace("https://bnb.example/rpc", "ws://bnb.example/rpc");
        let f = write(&bad);
        let errors = load(f.path(), &[]).unwrap_err();
        assert_eq!(
            errors,
            vec![
                "chains.bnb.rpc: scheme \"ws\" is not supported (use http or https)".to_owned(),
                "chains.ethereum.domain: chain id 1 is also used by chains.bnb".to_owned(),
                "relayer.key_env: environment variable RELAYER_KEY is not set".to_owned(),
            ]
        );
    }

    const SECURE: &str = r#"
[verifiers.committee]
kind = "committee"
chain = "bnb"
address = "0x3333333333333333333333333333333333333333"
threshold = 2
validators = ["0x0000000000000000000000000000000000000001", "0x0000000000000000000000000000000000000002", "0x0000000000000000000000000000000000000003"]

[verifiers.optimistic]
kind = "optimistic"
chain = "bnb"
address = "0x4444444444444444444444444444444444444444"
window = "30m"
watchers = ["0x0000000000000000000000000000000000000009"]
proposers = ["0x0000000000000000000000000000000000000008"]

[verifiers.both]
kind = "aggregation"
chain = "bnb"
address = "0x5555555555555555555555555555555555555555"
require = 2
of = ["committee", "optimistic"]

[apps.bridge]
chain = "bnb"
address = "0x6666666666666666666666666666666666666666"
verifier = "both"
"#;

    #[test]
    fn verifiers_and_apps_that_pass_the_rails_load() {
        let f = write(&format!("{GOOD}{SECURE}"));
        let c = load(f.path(), &env(&[("RELAYER_KEY", "k")])).unwrap();
        assert_eq!(c.verifiers.len(), 3);
        assert_eq!(c.apps["bridge"].verifier, "both");
        assert!(matches!(
            &c.verifiers["optimistic"],
            VerifierSection::Optimistic { window, .. } if *window == Duration::from_secs(1800)
        ));
    }

    #[test]
    fn dangerous_verifier_configurations_are_refused_by_name() {
        let bad = format!("{GOOD}{SECURE}")
            .replace("threshold = 2", "threshold = 1")
            .replace("window = \"30m\"", "window = \"30s\"")
            .replace("require = 2", "require = 1")
            .replace(
                "[apps.bridge]",
                "[apps.solo]\nchain = \"bnb\"\naddress = \"0x7777777777777777777777777777777777777777\"\nverifier = \"committee\"\n\n[apps.bridge]",
            );
        let f = write(&bad);
        let errors = load(f.path(), &env(&[("RELAYER_KEY", "k")])).unwrap_err();
        let text = errors.join("\n");
        for expected in [
            "verifiers.committee: threshold 1 of 3: any single key could deliver anything",
            "verifiers.optimistic: dispute window 30s is below the floor of 600s",
            "apps.solo: its verifier \"committee\" can be satisfied by a single signer alone",
            "apps.bridge: its verifier \"both\" can be satisfied by a single signer alone",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
        }
        assert_eq!(errors.len(), 4, "{text}");
    }

    #[test]
    fn a_single_key_holder_and_dangling_names_are_refused() {
        let bad = format!("{GOOD}{SECURE}")
            .replace(
                "validators = [\"0x0000000000000000000000000000000000000001\", \"0x0000000000000000000000000000000000000002\", \"0x0000000000000000000000000000000000000003\"]",
                "validators = [\"0x0000000000000000000000000000000000000001\", \"0x0000000000000000000000000000000000000001\"]",
            )
            .replace("watchers = [\"0x0000000000000000000000000000000000000009\"]", "watchers = []")
            .replace("of = [\"committee\", \"optimistic\"]", "of = [\"committee\", \"nobody\"]");
        let f = write(&bad);
        let errors = load(f.path(), &env(&[("RELAYER_KEY", "k")])).unwrap_err();
        let text = errors.join("\n");
        for expected in [
            "verifiers.committee: the committee has 2 members but only 1 distinct key holder(s)",
            "verifiers.optimistic: no watcher",
            "verifiers.both.of[1]: no verifier named \"nobody\"",
            "apps.bridge.verifier: cannot tell what \"both\" trusts",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
        }
    }

    #[test]
    fn a_relayer_that_requires_payment_needs_fees_on_every_chain() {
        let paid = GOOD.replace(
            "key_env = \"RELAYER_KEY\"",
            "key_env = \"RELAYER_KEY\"\nmin_payment_wei = 1000000000000",
        );
        let vars = env(&[(
            "RELAYER_KEY",
            "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
        )]);
        let f = write(&paid);
        let errors = load(f.path(), &vars).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors[0]
                .starts_with("chains.bnb.relayer_fees: the relayer delivers only paid messages"),
            "{errors:?}"
        );
        let with_fees = paid
            .replace(
                "block_time = \"12s\"",
                "block_time = \"12s\"\nrelayer_fees = \"0x9999999999999999999999999999999999999991\"",
            )
            .replace(
                "block_time = \"3s\"",
                "block_time = \"3s\"\nrelayer_fees = \"0x9999999999999999999999999999999999999992\"",
            );
        let f = write(&with_fees);
        let c = load(f.path(), &vars).unwrap();
        let agents = crate::agents::AgentsConfig::from_config(&c, &vars, Keys::Relayer).unwrap();
        let policy = agents.fees.unwrap();
        assert_eq!(
            policy.min_wei,
            alloy::primitives::U256::from(1_000_000_000_000u64)
        );
        assert!(agents.chains.iter().all(|c| c.relayer_fees.is_some()));
        let f = write(&with_fees.replace("min_payment_wei = 1000000000000", "min_payment_wei = 0"));
        let errors = load(f.path(), &vars).unwrap_err();
        assert_eq!(
            errors,
            vec!["relayer.min_payment_wei: 0 would deliver unpaid messages too; leave it out to deliver every message".to_owned()]
        );
    }

    #[test]
    fn the_example_file_is_valid() {
        let f = write(include_str!("../../../courier.example.toml"));
        // The example's watcher addresses are placeholders no known key has: its key is not
        // given here (a key of another address is refused, as tested below).
        let c = load_for(
            f.path(),
            &env(&[("COURIER_VALIDATOR_KEY", "k"), ("COURIER_RELAYER_KEY", "k")]),
            Keys::Relayer,
        )
        .unwrap();
        assert_eq!(c.apps["token-bridge"].verifier, "ethereum-both");
        let w = c.watcher.unwrap();
        assert_eq!(w.verifiers, vec!["ethereum-optimistic".to_owned()]);
        assert_eq!(w.endpoints.len(), 1);
    }

    /// Anvil's fifth development key and its address.
    const WATCHER_KEY: &str = "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a";
    const WATCHER_ADDRESS: &str = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";

    fn watched() -> String {
        format!(
            "{GOOD}{SECURE}\n[watcher]\nkey_env = \"WATCHER_KEY\"\norigin = \"ethereum\"\nproposer_bond = \"0x7777777777777777777777777777777777777777\"\nverifiers = [\"optimistic\"]\nendpoints = [\"https://eth-2.example/rpc\", \"https://eth-3.example/rpc\"]\nvalidator_staking = {{ chain = \"ethereum\", address = \"0x8888888888888888888888888888888888888888\" }}\ntimelocks = [{{ chain = \"bnb\", address = \"0x9999999999999999999999999999999999999999\" }}]\n"
        )
        .replace(
            "watchers = [\"0x0000000000000000000000000000000000000009\"]",
            &format!("watchers = [\"{WATCHER_ADDRESS}\"]"),
        )
    }

    #[test]
    fn a_watcher_section_loads_and_runs_every_endpoint() {
        let f = write(&watched());
        let vars = env(&[("RELAYER_KEY", "k"), ("WATCHER_KEY", WATCHER_KEY)]);
        let c = load_for(f.path(), &vars, Keys::Watcher).unwrap();
        let agents = crate::agents::AgentsConfig::from_config(&c, &vars, Keys::Watcher).unwrap();
        assert!(agents.relayer.is_none() && agents.validators.is_empty());
        let o = agents.optimistic.unwrap();
        assert_eq!(o.origin, "ethereum");
        assert!(o.proposer.is_none());
        assert_eq!(
            o.watcher.unwrap().address(),
            WATCHER_ADDRESS.parse::<Address>().unwrap()
        );
        assert_eq!(
            o.verifiers,
            vec![(
                "bnb".to_owned(),
                "0x4444444444444444444444444444444444444444"
                    .parse()
                    .unwrap()
            )]
        );
        assert_eq!(
            o.witnesses.iter().map(Url::as_str).collect::<Vec<_>>(),
            ["https://eth-2.example/rpc", "https://eth-3.example/rpc"]
        );
        assert_eq!(o.validator_staking.unwrap().0, "ethereum");
        assert_eq!(
            o.timelocks,
            vec![(
                "bnb".to_owned(),
                "0x9999999999999999999999999999999999999999"
                    .parse()
                    .unwrap()
            )]
        );
    }

    #[test]
    fn a_watcher_that_could_not_act_is_refused_by_name() {
        let bad = watched()
            .replace("origin = \"ethereum\"", "origin = \"eth\"")
            .replace(
                "verifiers = [\"optimistic\"]",
                "verifiers = [\"optimistic\", \"committee\", \"ghost\"]",
            )
            .replace("https://eth-3.example/rpc", "https://eth-2.example/rpc")
            .replace(
                &format!("watchers = [\"{WATCHER_ADDRESS}\"]"),
                "watchers = [\"0x0000000000000000000000000000000000000009\"]",
            );
        let f = write(&bad);
        let vars = env(&[("RELAYER_KEY", "k"), ("WATCHER_KEY", WATCHER_KEY)]);
        let errors = load_for(f.path(), &vars, Keys::Watcher).unwrap_err();
        let text = errors.join("\n");
        for expected in [
            "watcher.origin: no chain named \"eth\"",
            "watcher.verifiers[0]: 0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65 (the key in WATCHER_KEY) is not among the watchers of \"optimistic\"",
            "watcher.verifiers[1]: \"committee\" is a committee verifier, not an optimistic one",
            "watcher.verifiers[2]: no verifier named \"ghost\"",
            "watcher.endpoints[1]: https://eth-2.example/rpc is listed already",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
        }
        assert_eq!(errors.len(), 5, "{text}");
        // Without its key, only the key is missing: the other agents' runs need not have it.
        let f = write(&watched());
        let errors = load_for(f.path(), &env(&[]), Keys::Watcher).unwrap_err();
        assert_eq!(
            errors,
            vec!["watcher.key_env: environment variable WATCHER_KEY is not set".to_owned()]
        );
        assert!(load_for(f.path(), &env(&[("RELAYER_KEY", "k")]), Keys::Relayer).is_ok());
    }

    #[test]
    fn a_missing_file_says_so() {
        let errors = load(Path::new("/nonexistent/courier.toml"), &[]).unwrap_err();
        assert_eq!(
            errors,
            vec!["/nonexistent/courier.toml: no such file".to_owned()]
        );
    }
}
