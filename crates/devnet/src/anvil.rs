//! Local chains: anvil processes and the handle that owns each one.
//!
//! [`Anvil::spawn`] starts `anvil` on 127.0.0.1 for one chain id and block time, waits until it
//! answers RPC, and returns an [`AnvilInstance`]. The instance owns the process: dropping it (or
//! [`AnvilInstance::stop`]) kills and reaps anvil, so no chain outlives the devnet or test that
//! started it. The instance also carries the anvil-only RPCs that scenarios use to inject faults
//! (mining on demand, snapshots, reorgs, outages); [`find_anvil`] locates the binary that
//! `make tools` installs.
//!
//! Free ports come from anvil itself: it is started with `--port 0`, binds a port the kernel picks
//! and prints `Listening on 127.0.0.1:<port>`, which is read from its stdout. Unlike probing a free
//! port and passing it on, this cannot race with another process taking the port in between.

use std::{
    collections::VecDeque,
    ffi::OsString,
    fmt,
    net::SocketAddr,
    path::{Path, PathBuf},
    process::Stdio,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use alloy::{
    network::EthereumWallet,
    primitives::{U64, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use serde::Deserialize;
use tokio::{
    io::{AsyncBufReadExt, AsyncRead, BufReader},
    process::{Child, Command},
    sync::oneshot,
    time::Instant,
};
use url::Url;

use crate::error::{Error, Result};

/// Environment variable naming the anvil binary; it wins over every other place.
pub const ANVIL_ENV: &str = "COURIER_ANVIL";

/// How long anvil gets to answer `eth_chainId` after it was started.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);

/// Lines of anvil's stderr kept for error messages.
const STDERR_TAIL_LINES: usize = 20;
/// How often `eth_chainId` is retried while anvil starts.
const READY_POLL: Duration = Duration::from_millis(20);
/// How long a killed anvil gets to be reaped before giving up on it.
const REAP_TIMEOUT: Duration = Duration::from_secs(5);

/// How to start one anvil chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnvilConfig {
    /// The chain id (the Courier domain).
    pub chain_id: u64,
    /// Interval between blocks; fractions of a second work. Zero means automine: one block per
    /// transaction, as soon as it arrives.
    pub block_time: Duration,
    /// The port to listen on; `None` lets the kernel pick a free one.
    pub port: Option<u16>,
    /// The anvil binary; `None` uses [`find_anvil`].
    pub binary: Option<PathBuf>,
    /// Start as a fork of the chain behind this RPC endpoint, at its newest block: same state and
    /// history up to there (read from it on demand), its own blocks after.
    pub fork_url: Option<Url>,
}

impl AnvilConfig {
    /// A chain with this id and block time, on a free port, with the anvil [`find_anvil`] finds.
    pub fn new(chain_id: u64, block_time: Duration) -> Self {
        Self {
            chain_id,
            block_time,
            port: None,
            binary: None,
            fork_url: None,
        }
    }

    /// A fork of the chain at `url` (whose id is `chain_id`), mining on demand: for an endpoint
    /// that shares the chain's past and then tells its own story.
    pub fn fork(chain_id: u64, url: Url) -> Self {
        Self {
            fork_url: Some(url),
            ..Self::new(chain_id, Duration::ZERO)
        }
    }
}

/// Starts anvil processes; see [`Anvil::spawn`].
#[derive(Debug, Clone, Copy)]
pub struct Anvil;

impl Anvil {
    /// Runs `anvil --hardfork prague --chain-id <id> --block-time <s> --port <p> --host 127.0.0.1`
    /// and waits until it answers `eth_chainId` with the configured id (at most
    /// [`STARTUP_TIMEOUT`]). Errors name the binary, the port and the tail of anvil's stderr.
    pub async fn spawn(config: AnvilConfig) -> Result<AnvilInstance> {
        let binary = match &config.binary {
            Some(binary) => binary.clone(),
            None => find_anvil()?,
        };
        let requested_port = config.port.unwrap_or(0);
        let mut command = Command::new(&binary);
        command
            .args([
                "--hardfork",
                "prague",
                "--host",
                "127.0.0.1",
                "--color",
                "never",
            ])
            .arg("--chain-id")
            .arg(config.chain_id.to_string())
            .arg("--port")
            .arg(requested_port.to_string());
        if let Some(url) = &config.fork_url {
            command.arg("--fork-url").arg(url.as_str());
        }
        if !config.block_time.is_zero() {
            command
                .arg("--block-time")
                .arg(format_seconds(config.block_time));
        }
        // anvil is not started with --quiet: that would also silence the `Listening on` line the
        // port is read from. Its per-request log lines on stdout are read and dropped.
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().map_err(|source| Error::Spawn {
            binary: binary.clone(),
            source,
        })?;
        let stdout = child.stdout.take();
        let stderr_pipe = child.stderr.take();
        // From here on the process is owned by a guard that kills and reaps it on every exit path.
        let mut process = Process::new(child);

        let stderr = Tail::default();
        let stderr_task = stderr_pipe.map(|pipe| tokio::spawn(drain(pipe, stderr.clone(), None)));
        let (port_tx, port_rx) = oneshot::channel();
        if let Some(pipe) = stdout {
            tokio::spawn(drain(pipe, Tail::default(), Some(port_tx)));
        }
        let startup = Startup {
            binary: &binary,
            port: requested_port,
            stderr: &stderr,
            stderr_task,
        };

        let deadline = Instant::now() + STARTUP_TIMEOUT;
        let port = tokio::select! {
            port = port_rx => match port {
                Ok(port) => port,
                // stdout closed without the line: anvil is exiting.
                Err(_) => {
                    let status = tokio::time::timeout(Duration::from_secs(1), process.child.wait()).await;
                    let status = match status {
                        Ok(Ok(status)) => status.to_string(),
                        _ => "closed its output".to_owned(),
                    };
                    return Err(startup.exited(status).await);
                }
            },
            status = process.child.wait() => {
                let status = status.map_or_else(|e| e.to_string(), |s| s.to_string());
                return Err(startup.exited(status).await);
            }
            () = tokio::time::sleep_until(deadline) => return Err(startup.timed_out()),
        };
        let startup = Startup { port, ..startup };

        let rpc_url = format!("http://127.0.0.1:{port}");
        let url =
            Url::parse(&rpc_url).map_err(|e| Error::InvalidSpec(format!("{rpc_url}: {e}")))?;
        let provider = ProviderBuilder::new().connect_http(url.clone()).erased();
        let chain_id = loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if let Ok(Ok(id)) = tokio::time::timeout(remaining, provider.get_chain_id()).await {
                break id;
            }
            if let Ok(Some(status)) = process.child.try_wait() {
                return Err(startup.exited(status.to_string()).await);
            }
            if Instant::now() >= deadline {
                return Err(startup.timed_out());
            }
            tokio::time::sleep(READY_POLL).await;
        };
        if chain_id != config.chain_id {
            return Err(Error::WrongChain {
                rpc_url,
                expected: config.chain_id,
                actual: chain_id,
            });
        }
        tracing::debug!(%rpc_url, chain_id, pid = process.pid, "anvil started");
        Ok(AnvilInstance {
            process,
            binary,
            port,
            chain_id,
            block_time: config.block_time,
            rpc_url,
            url,
            provider,
            stderr,
        })
    }
}

/// What a startup error needs to say.
struct Startup<'a> {
    binary: &'a Path,
    port: u16,
    stderr: &'a Tail,
    stderr_task: Option<tokio::task::JoinHandle<()>>,
}

impl Startup<'_> {
    /// Lets the stderr reader catch anvil's last words, then returns what they were.
    async fn stderr_text(self) -> (PathBuf, u16, String) {
        if let Some(task) = self.stderr_task {
            let _ = tokio::time::timeout(Duration::from_secs(1), task).await;
        }
        (self.binary.to_owned(), self.port, self.stderr.text())
    }

    async fn exited(self, status: String) -> Error {
        let (binary, port, stderr) = self.stderr_text().await;
        Error::AnvilExited {
            binary,
            port,
            status,
            stderr,
        }
    }

    fn timed_out(self) -> Error {
        // A running anvil never closes stderr: take the tail as it is now.
        let (binary, port, stderr) = (self.binary.to_owned(), self.port, self.stderr.text());
        Error::AnvilTimeout {
            binary,
            port,
            waited: STARTUP_TIMEOUT,
            stderr,
        }
    }
}

/// A running anvil chain. Dropping it kills and reaps the process.
pub struct AnvilInstance {
    process: Process,
    binary: PathBuf,
    port: u16,
    chain_id: u64,
    block_time: Duration,
    rpc_url: String,
    url: Url,
    provider: DynProvider,
    stderr: Tail,
}

impl fmt::Debug for AnvilInstance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnvilInstance")
            .field("rpc_url", &self.rpc_url)
            .field("chain_id", &self.chain_id)
            .field("block_time", &self.block_time)
            .field("pid", &self.process.pid)
            .field("binary", &self.binary)
            .finish()
    }
}

/// An `evm_snapshot` id, for [`AnvilInstance::revert`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SnapshotId(pub U256);

impl fmt::Display for SnapshotId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}

impl AnvilInstance {
    /// The HTTP RPC endpoint, `http://127.0.0.1:<port>`.
    pub fn rpc_url(&self) -> &str {
        &self.rpc_url
    }

    /// The RPC endpoint as a URL (what alloy's `connect_http` takes).
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The port anvil listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The chain id.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// The block time anvil was started with (zero: automine).
    pub fn block_time(&self) -> Duration {
        self.block_time
    }

    /// The process id of anvil.
    pub fn pid(&self) -> u32 {
        self.process.pid
    }

    /// The anvil binary that runs this chain.
    pub fn binary(&self) -> &Path {
        &self.binary
    }

    /// The last lines anvil wrote to stderr (empty when it wrote nothing).
    pub fn stderr_tail(&self) -> String {
        self.stderr.text()
    }

    /// A read-only provider for this chain.
    pub fn provider(&self) -> DynProvider {
        self.provider.clone()
    }

    /// A provider that signs transactions with `signer` (nonces cached, gas estimated).
    pub fn signing_provider(&self, signer: PrivateKeySigner) -> DynProvider {
        ProviderBuilder::new()
            .wallet(EthereumWallet::from(signer))
            .connect_http(self.url.clone())
            .erased()
    }

    /// The newest block number.
    pub async fn block_number(&self) -> Result<u64> {
        self.provider
            .get_block_number()
            .await
            .map_err(|e| Error::rpc(&self.rpc_url, "eth_blockNumber", e))
    }

    /// Mines `blocks` blocks now (`anvil_mine`), with whatever transactions are pending.
    pub async fn mine(&self, blocks: u64) -> Result<()> {
        self.request::<_, serde_json::Value>("anvil_mine", (U64::from(blocks),))
            .await
            .map(drop)
    }

    /// How many transactions wait in anvil's pool to be mined (`txpool_status`).
    pub async fn pending_transactions(&self) -> Result<u64> {
        #[derive(Debug, Deserialize)]
        struct Status {
            pending: U64,
        }
        let status: Status = self.request("txpool_status", ()).await?;
        Ok(status.pending.to::<u64>())
    }

    /// Takes a snapshot of the chain (`evm_snapshot`) to [`revert`](Self::revert) to later.
    pub async fn snapshot(&self) -> Result<SnapshotId> {
        self.request("evm_snapshot", ()).await.map(SnapshotId)
    }

    /// Reverts the chain to a snapshot (`evm_revert`): blocks and state after it are gone. A
    /// snapshot is consumed by its revert; reverting to it again is an error, as is an unknown id.
    pub async fn revert(&self, id: SnapshotId) -> Result<()> {
        let reverted: bool = self.request("evm_revert", (id.0,)).await?;
        if reverted {
            Ok(())
        } else {
            Err(Error::SnapshotNotFound {
                rpc_url: self.rpc_url.clone(),
                id: id.to_string(),
            })
        }
    }

    /// Replaces the newest `depth` blocks with as many new, empty ones (`anvil_reorg`): the height
    /// stays, the hashes of the last `depth` blocks change and their transactions are gone.
    pub async fn reorg(&self, depth: u64) -> Result<()> {
        let no_transactions: [serde_json::Value; 0] = [];
        self.request::<_, serde_json::Value>("anvil_reorg", (depth, no_transactions))
            .await
            .map(drop)
    }

    /// Removes the newest `depth` blocks (`anvil_rollback`): the chain gets shorter.
    pub async fn rollback(&self, depth: u64) -> Result<()> {
        self.request::<_, serde_json::Value>("anvil_rollback", (depth,))
            .await
            .map(drop)
    }

    /// Stops producing blocks (`evm_setIntervalMining` 0, which also ends automine): an outage.
    /// [`mine`](Self::mine) still works; [`resume_mining`](Self::resume_mining) ends the outage.
    pub async fn stop_mining(&self) -> Result<()> {
        self.request::<_, serde_json::Value>("evm_setIntervalMining", (0u64,))
            .await
            .map(drop)
    }

    /// Produces a block every `block_time` from now on (`evm_setIntervalMining`). anvil takes
    /// whole seconds here (fractions only on its command line), so anything else is refused.
    pub async fn set_block_time(&self, block_time: Duration) -> Result<()> {
        let reason = if block_time.is_zero() {
            Some("zero would stop mining; use stop_mining or set_automine")
        } else if block_time.subsec_nanos() != 0 {
            Some("evm_setIntervalMining takes whole seconds")
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(Error::UnsupportedBlockTime {
                rpc_url: self.rpc_url.clone(),
                block_time,
                reason,
            });
        }
        self.request::<_, serde_json::Value>("evm_setIntervalMining", (block_time.as_secs(),))
            .await
            .map(drop)
    }

    /// Turns automine (one block per transaction, at once) on or off (`evm_setAutomine`).
    /// Turning it off leaves the chain without mining until [`set_block_time`](Self::set_block_time).
    pub async fn set_automine(&self, enabled: bool) -> Result<()> {
        self.request::<_, serde_json::Value>("evm_setAutomine", (enabled,))
            .await
            .map(drop)
    }

    /// Goes back to the mining the chain was started with: its block time, or automine.
    pub async fn resume_mining(&self) -> Result<()> {
        if self.block_time.is_zero() {
            self.set_automine(true).await
        } else {
            self.set_block_time(self.block_time).await
        }
    }

    /// Kills anvil and waits until it is reaped.
    pub async fn stop(mut self) {
        self.process.kill_and_wait().await;
    }

    async fn request<P, R>(&self, method: &'static str, params: P) -> Result<R>
    where
        P: alloy::rpc::json_rpc::RpcSend,
        R: alloy::rpc::json_rpc::RpcRecv,
    {
        self.provider
            .raw_request(method.into(), params)
            .await
            .map_err(|e| Error::rpc(&self.rpc_url, method, e))
    }
}

/// The anvil child process; killed and reaped on drop.
struct Process {
    child: Child,
    pid: u32,
}

impl Process {
    fn new(child: Child) -> Self {
        // `id` is `None` only once the child has been reaped, which cannot have happened yet.
        let pid = child.id().unwrap_or_default();
        Self { child, pid }
    }

    async fn kill_and_wait(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        if let Err(error) = self.child.start_kill() {
            tracing::warn!(pid = self.pid, %error, "could not kill anvil");
        }
        match tokio::time::timeout(REAP_TIMEOUT, self.child.wait()).await {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => tracing::warn!(pid = self.pid, %error, "could not reap anvil"),
            Err(_) => tracing::warn!(pid = self.pid, "anvil not reaped within {REAP_TIMEOUT:?}"),
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // Synchronous: Drop cannot await, and the caller relies on the process being gone when the
        // handle is. SIGKILL takes effect at once; reaping it takes a few milliseconds.
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        if let Err(error) = self.child.start_kill() {
            tracing::warn!(pid = self.pid, %error, "could not kill anvil");
        }
        let deadline = std::time::Instant::now() + REAP_TIMEOUT;
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) => return,
                Ok(None) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(1));
                }
                Ok(None) => {
                    tracing::warn!(pid = self.pid, "anvil not reaped within {REAP_TIMEOUT:?}");
                    return;
                }
                Err(error) => {
                    tracing::warn!(pid = self.pid, %error, "could not reap anvil");
                    return;
                }
            }
        }
    }
}

/// The last lines of a process's output.
#[derive(Debug, Clone, Default)]
struct Tail(Arc<Mutex<VecDeque<String>>>);

impl Tail {
    fn push(&self, line: String) {
        let mut lines = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if lines.len() == STDERR_TAIL_LINES {
            lines.pop_front();
        }
        lines.push_back(line);
    }

    fn text(&self) -> String {
        let lines = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if lines.is_empty() {
            return "(nothing)".to_owned();
        }
        lines
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" | ")
    }
}

/// Reads a pipe to its end, so that anvil never blocks writing to it. Lines go to `tail`; when
/// `port` is given, the port of the first `Listening on <addr>` line is sent there (and the line
/// is not kept: stdout also carries anvil's banner with the dev accounts' keys, which is noise).
async fn drain(pipe: impl AsyncRead + Unpin, tail: Tail, mut port: Option<oneshot::Sender<u16>>) {
    let keep_lines = port.is_none();
    let mut reader = BufReader::new(pipe);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let line = String::from_utf8_lossy(&buf);
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(found) = listening_port(line)
            && let Some(sender) = port.take()
        {
            let _ = sender.send(found);
        }
        if keep_lines {
            tail.push(line.to_owned());
        }
    }
}

/// The port of anvil's `Listening on 127.0.0.1:8545` line.
fn listening_port(line: &str) -> Option<u16> {
    let addr: SocketAddr = line.strip_prefix("Listening on ")?.trim().parse().ok()?;
    Some(addr.port())
}

/// A duration as anvil's `--block-time` takes it: `2`, `0.5`.
fn format_seconds(duration: Duration) -> String {
    if duration.subsec_nanos() == 0 {
        duration.as_secs().to_string()
    } else {
        duration.as_secs_f64().to_string()
    }
}

/// Finds the anvil binary: `$COURIER_ANVIL` if set; else `.tools/bin/anvil` in the current
/// directory or one of its ancestors (the workspace root, where `make tools` installs it); else
/// `anvil` next to the running executable or `.tools/bin/anvil` above it; else `anvil` on `PATH`.
pub fn find_anvil() -> Result<PathBuf> {
    find_anvil_in(&SearchPlaces {
        configured: std::env::var_os(ANVIL_ENV),
        current_dir: std::env::current_dir().ok(),
        current_exe: std::env::current_exe().ok(),
        path: std::env::var_os("PATH"),
    })
}

/// Where [`find_anvil`] looks; separate from the process environment so that it can be tested.
#[derive(Debug, Default)]
struct SearchPlaces {
    configured: Option<OsString>,
    current_dir: Option<PathBuf>,
    current_exe: Option<PathBuf>,
    path: Option<OsString>,
}

fn find_anvil_in(places: &SearchPlaces) -> Result<PathBuf> {
    const TOOLS_ANVIL: &str = ".tools/bin/anvil";
    if let Some(configured) = places.configured.as_ref().filter(|v| !v.is_empty()) {
        let path = PathBuf::from(configured);
        // An explicit choice that does not work is an error, not a reason to run another anvil.
        return if is_executable(&path) {
            Ok(path)
        } else {
            Err(Error::AnvilNotFound {
                detail: format!("{ANVIL_ENV}={} is not an executable file", path.display()),
            })
        };
    }
    let mut candidates = Vec::new();
    if let Some(dir) = &places.current_dir {
        candidates.extend(dir.ancestors().map(|d| d.join(TOOLS_ANVIL)));
    }
    if let Some(dir) = places.current_exe.as_deref().and_then(Path::parent) {
        candidates.push(dir.join("anvil"));
        candidates.extend(dir.ancestors().map(|d| d.join(TOOLS_ANVIL)));
    }
    if let Some(path) = &places.path {
        candidates.extend(std::env::split_paths(path).map(|d| d.join("anvil")));
    }
    if let Some(found) = candidates.into_iter().find(|c| is_executable(c)) {
        return Ok(found);
    }
    let show = |p: &Option<PathBuf>| {
        p.as_ref()
            .map_or("?".to_owned(), |p| p.display().to_string())
    };
    Err(Error::AnvilNotFound {
        detail: format!(
            "looked for {TOOLS_ANVIL} in {} and its ancestors, next to and above {}, and on PATH",
            show(&places.current_dir),
            show(&places.current_exe),
        ),
    })
}

fn is_executable(path: &Path) -> bool {
    let Ok(metadata) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        metadata.is_file() && metadata.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        metadata.is_file()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn block_time_formats() {
        assert_eq!(format_seconds(Duration::from_secs(2)), "2");
        assert_eq!(format_seconds(Duration::from_millis(500)), "0.5");
        assert_eq!(format_seconds(Duration::from_millis(1250)), "1.25");
    }

    #[test]
    fn listening_line() {
        assert_eq!(listening_port("Listening on 127.0.0.1:33547"), Some(33547));
        assert_eq!(listening_port("Listening on 127.0.0.1:8545 "), Some(8545));
        assert_eq!(listening_port("eth_chainId"), None);
        assert_eq!(listening_port("Listening on nowhere"), None);
    }

    #[test]
    fn tail_keeps_the_last_lines() {
        let tail = Tail::default();
        assert_eq!(tail.text(), "(nothing)");
        for i in 0..(STDERR_TAIL_LINES + 5) {
            tail.push(format!("line {i}"));
        }
        let text = tail.text();
        assert!(text.starts_with("line 5 | "), "{text}");
        assert!(text.ends_with(&format!("line {}", STDERR_TAIL_LINES + 4)));
    }

    fn fake_anvil(dir: &Path) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let bin = dir.join(".tools/bin");
        std::fs::create_dir_all(&bin).unwrap();
        let anvil = bin.join("anvil");
        std::fs::write(&anvil, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&anvil, std::fs::Permissions::from_mode(0o755)).unwrap();
        anvil
    }

    #[test]
    fn finds_tools_anvil_in_an_ancestor() {
        let root = tempfile::tempdir().unwrap();
        let anvil = fake_anvil(root.path());
        let nested = root.path().join("crates/devnet");
        std::fs::create_dir_all(&nested).unwrap();
        let places = SearchPlaces {
            current_dir: Some(nested),
            ..SearchPlaces::default()
        };
        assert_eq!(find_anvil_in(&places).unwrap(), anvil);
    }

    #[test]
    fn finds_tools_anvil_above_the_executable() {
        let root = tempfile::tempdir().unwrap();
        let anvil = fake_anvil(root.path());
        let places = SearchPlaces {
            current_dir: Some(tempfile::tempdir().unwrap().path().to_owned()),
            current_exe: Some(root.path().join("target/debug/deps/it-123")),
            ..SearchPlaces::default()
        };
        assert_eq!(find_anvil_in(&places).unwrap(), anvil);
    }

    #[test]
    fn env_wins_and_must_exist() {
        let root = tempfile::tempdir().unwrap();
        let anvil = fake_anvil(root.path());
        let other = tempfile::tempdir().unwrap();
        let other_anvil = fake_anvil(other.path());
        let places = SearchPlaces {
            configured: Some(other_anvil.clone().into_os_string()),
            current_dir: Some(root.path().to_owned()),
            ..SearchPlaces::default()
        };
        assert_eq!(find_anvil_in(&places).unwrap(), other_anvil);

        let missing = SearchPlaces {
            configured: Some(root.path().join("nope").into_os_string()),
            current_dir: Some(root.path().to_owned()),
            ..SearchPlaces::default()
        };
        let err = find_anvil_in(&missing).unwrap_err().to_string();
        assert!(
            err.contains("COURIER_ANVIL=") && err.contains("make tools"),
            "{err}"
        );

        // Set but empty counts as unset.
        let empty = SearchPlaces {
            configured: Some(OsString::new()),
            current_dir: Some(root.path().to_owned()),
            ..SearchPlaces::default()
        };
        assert_eq!(find_anvil_in(&empty).unwrap(), anvil);
    }

    #[test]
    fn path_is_the_last_resort() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let anvil = fake_anvil(dir.path());
        std::fs::rename(&anvil, bin.join("anvil")).unwrap();
        let places = SearchPlaces {
            current_dir: Some(tempfile::tempdir().unwrap().path().to_owned()),
            path: Some(std::env::join_paths([Path::new("/nonexistent"), &bin]).unwrap()),
            ..SearchPlaces::default()
        };
        assert_eq!(find_anvil_in(&places).unwrap(), bin.join("anvil"));
    }

    #[test]
    fn not_found_says_make_tools() {
        let dir = tempfile::tempdir().unwrap();
        let places = SearchPlaces {
            current_dir: Some(dir.path().to_owned()),
            path: Some(OsString::from("/nonexistent")),
            ..SearchPlaces::default()
        };
        let err = find_anvil_in(&places).unwrap_err().to_string();
        assert!(err.contains("make tools"), "{err}");
        assert!(err.contains(&dir.path().display().to_string()), "{err}");
    }

    #[test]
    fn non_executable_files_are_skipped() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let anvil = fake_anvil(root.path());
        std::fs::set_permissions(&anvil, std::fs::Permissions::from_mode(0o644)).unwrap();
        let places = SearchPlaces {
            current_dir: Some(root.path().to_owned()),
            ..SearchPlaces::default()
        };
        assert!(find_anvil_in(&places).is_err());
    }
}
