//! The hme processes of a test: spawned with their own environment and log file,
//! waited for on `/readyz`, killed on drop.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a process gets to answer 200 on `/readyz`.
pub const READY_DEADLINE: Duration = Duration::from_secs(60);

/// A free TCP port on 127.0.0.1 for a child to take (see the kernel's testing helper).
pub use hme_kernel::testing::free_port;

/// One hme process: binary, command, environment and port; running or not.
pub struct Service {
    pub name: String,
    bin: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
    pub port: u16,
    pub log: PathBuf,
    child: Option<Child>,
}

impl Service {
    /// A process not yet started; its stdout and stderr go to `<log_dir>/<name>.log`.
    pub fn new(name: &str, bin: &Path, args: &[&str], env: Vec<(String, String)>, port: u16, log_dir: &Path) -> Self {
        Self {
            name: name.to_owned(),
            bin: bin.to_owned(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            env,
            port,
            log: log_dir.join(format!("{name}.log")),
            child: None,
        }
    }

    /// The value of `name` in the process's environment.
    #[allow(dead_code)]
    pub fn env_value(&self, name: &str) -> Option<&str> {
        self.env.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The admin listener's port (`HME__ADMIN__PORT`).
    #[allow(dead_code)]
    pub fn admin_port(&self) -> u16 {
        self.env_value("HME__ADMIN__PORT").and_then(|p| p.parse().ok()).unwrap_or(9464)
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Spawns the process (appending to its log, so a restart keeps the first run's lines).
    pub fn start(&mut self) {
        assert!(self.child.is_none(), "{} is already running", self.name);
        let log = OpenOptions::new().create(true).append(true).open(&self.log).unwrap();
        let mut cmd = Command::new(&self.bin);
        cmd.args(&self.args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().unwrap_or_else(|e| panic!("{}: cannot start {}: {e}", self.name, self.bin.display()));
        self.child = Some(child);
    }

    /// Polls `/readyz` until it answers 200; fails with the log's tail when the process
    /// exits or the deadline passes.
    pub async fn wait_ready(&mut self, client: &reqwest::Client) {
        let started = Instant::now();
        let url = format!("{}/readyz", self.base());
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Some(status) = child.try_wait().unwrap() {
                    self.child = None;
                    panic!("{} exited before it was ready ({status})\n{}", self.name, self.describe());
                }
            }
            let last = match client.get(&url).timeout(Duration::from_secs(5)).send().await {
                Ok(r) if r.status().is_success() => return,
                Ok(r) => format!("{} {}", r.status(), r.text().await.unwrap_or_default()),
                Err(e) => e.to_string(),
            };
            if started.elapsed() > READY_DEADLINE {
                panic!("{} not ready after {READY_DEADLINE:?} (last /readyz: {last})\n{}", self.name, self.describe());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Kills the process (SIGKILL: a crash, not a graceful stop) and reaps it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The name, the log path and the last lines of the log, for failure messages.
    pub fn describe(&self) -> String {
        format!("--- {} ({}), last lines:\n{}", self.name, self.log.display(), tail(&self.log, 40))
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The last `lines` lines of a file (at most its last 64 KiB).
pub fn tail(path: &Path, lines: usize) -> String {
    let Ok(mut f) = File::open(path) else { return format!("(no log at {})", path.display()) };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = f.seek(SeekFrom::Start(len.saturating_sub(64 * 1024)));
    let mut buf = Vec::new();
    let _ = f.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// A set of processes, for failure messages naming every log.
pub struct Deployment {
    pub services: Vec<Service>,
}

impl Deployment {
    /// The service named `name`.
    pub fn get(&self, name: &str) -> &Service {
        self.services.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("no service {name}"))
    }

    /// The service named `name`, to kill or restart it.
    pub fn get_mut(&mut self, name: &str) -> &mut Service {
        self.services.iter_mut().find(|s| s.name == name).unwrap_or_else(|| panic!("no service {name}"))
    }

    /// Starts every process, then waits for all of them to be ready.
    pub async fn start_all(&mut self, client: &reqwest::Client) {
        for s in &mut self.services {
            s.start();
        }
        for s in &mut self.services {
            s.wait_ready(client).await;
        }
    }
}
