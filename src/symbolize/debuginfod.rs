//! A debuginfod client: `GET URL/buildid/ID/debuginfo` from the servers of `DEBUGINFOD_URLS`,
//! cached under `DEBUGINFOD_CACHE_PATH` (else `$XDG_CACHE_HOME/legolog/debuginfod`) in the
//! client's own layout (`ID/debuginfo`).
//!
//! A server is an aid, never a dependency: a dead, slow or lying server costs at most one
//! timeout per run (it is not asked again) and a warning; a download whose build ID is not the
//! one asked for, or that ends early, is deleted.

use legolog_symbols::Image;
use std::cell::RefCell;
use std::collections::HashSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Default connect and read timeout (`DEBUGINFOD_TIMEOUT` overrides it, in seconds).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);
/// Largest download accepted (`DEBUGINFOD_MAXSIZE` overrides it, in bytes).
const DEFAULT_MAX_SIZE: u64 = 4 << 30;

/// The servers and the cache.
pub struct Debuginfod {
    urls: Vec<String>,
    cache: Option<PathBuf>,
    agent: ureq::Agent,
    max_size: u64,
    /// Servers that failed at the transport level in this run.
    dead: RefCell<HashSet<String>>,
}

/// A file found for a build ID.
#[derive(Debug, Clone)]
pub struct Found {
    /// Where it is (in the cache).
    pub path: PathBuf,
    /// The server it came from, `None` when it was already cached.
    pub server: Option<String>,
}

impl Debuginfod {
    /// The client `DEBUGINFOD_URLS`, `DEBUGINFOD_CACHE_PATH`, `DEBUGINFOD_TIMEOUT` and
    /// `DEBUGINFOD_MAXSIZE` describe.
    pub fn from_env() -> Debuginfod {
        let urls = std::env::var("DEBUGINFOD_URLS")
            .unwrap_or_default()
            .split_whitespace()
            .map(|url| url.trim_end_matches('/').to_owned())
            .filter(|url| !url.is_empty())
            .collect();
        let cache = std::env::var_os("DEBUGINFOD_CACHE_PATH")
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                crate::config::dirs::cache_home().map(|dir| dir.join("legolog/debuginfod"))
            });
        let timeout = std::env::var("DEBUGINFOD_TIMEOUT")
            .ok()
            .and_then(|text| text.trim().parse::<u64>().ok())
            .filter(|&secs| secs > 0)
            .map_or(DEFAULT_TIMEOUT, Duration::from_secs);
        let max_size = std::env::var("DEBUGINFOD_MAXSIZE")
            .ok()
            .and_then(|text| text.trim().parse::<u64>().ok())
            .filter(|&bytes| bytes > 0)
            .unwrap_or(DEFAULT_MAX_SIZE);
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(timeout)
            .timeout_read(timeout)
            .timeout_write(timeout)
            .user_agent(concat!("legolog/", env!("CARGO_PKG_VERSION")))
            .build();
        Debuginfod {
            urls,
            cache,
            agent,
            max_size,
            dead: RefCell::new(HashSet::new()),
        }
    }

    /// Whether any server is configured.
    pub fn enabled(&self) -> bool {
        !self.urls.is_empty()
    }

    /// The debug file of `build_id` (lower-case hex): from the cache, else from the first
    /// server that has it. Problems are pushed to `warnings`; `None` when no server has a file
    /// that verifies.
    pub fn fetch(&self, build_id: &str, warnings: &mut Vec<String>) -> Option<Found> {
        if !self.enabled()
            || build_id.is_empty()
            || !build_id.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return None;
        }
        let build_id = build_id.to_ascii_lowercase();
        let Some(cache) = &self.cache else {
            warnings.push(
                "debuginfod: no cache directory (set DEBUGINFOD_CACHE_PATH or XDG_CACHE_HOME)"
                    .to_owned(),
            );
            return None;
        };
        let dir = cache.join(&build_id);
        let path = dir.join("debuginfo");
        if path.is_file() {
            match verify(&path, &build_id) {
                Ok(()) => return Some(Found { path, server: None }),
                Err(why) => {
                    warnings.push(format!(
                        "{}: {why}; deleted from the debuginfod cache",
                        path.display()
                    ));
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
        for url in &self.urls {
            if self.dead.borrow().contains(url) {
                continue;
            }
            match self.download(url, &build_id, &dir, &path) {
                Ok(true) => {
                    return Some(Found {
                        path,
                        server: Some(url.clone()),
                    })
                }
                Ok(false) => {}
                Err(Problem::Server(why)) => {
                    warnings.push(format!(
                        "debuginfod server {url}: {why}; not asked again in this run"
                    ));
                    self.dead.borrow_mut().insert(url.clone());
                }
                Err(Problem::File(why)) => {
                    warnings.push(format!(
                        "debuginfod server {url} sent a bad file for build id {build_id}: {why}; discarded"
                    ));
                }
            }
        }
        None
    }

    /// `Ok(true)` when the file was downloaded and verified, `Ok(false)` when the server does
    /// not have it.
    fn download(
        &self,
        url: &str,
        build_id: &str,
        dir: &Path,
        path: &Path,
    ) -> Result<bool, Problem> {
        let request = format!("{url}/buildid/{build_id}/debuginfo");
        let response = match self.agent.get(&request).call() {
            Ok(response) => response,
            Err(ureq::Error::Status(404, _)) => return Ok(false),
            Err(ureq::Error::Status(code, _)) => {
                return Err(Problem::Server(format!("HTTP status {code}")))
            }
            Err(ureq::Error::Transport(transport)) => {
                return Err(Problem::Server(transport.to_string()))
            }
        };
        let expected: Option<u64> = response
            .header("Content-Length")
            .and_then(|len| len.trim().parse().ok());
        if expected.is_some_and(|len| len > self.max_size) {
            return Err(Problem::File(format!(
                "{} bytes, more than the limit of {} (DEBUGINFOD_MAXSIZE)",
                expected.unwrap_or_default(),
                self.max_size
            )));
        }
        std::fs::create_dir_all(dir)
            .map_err(|err| Problem::Server(format!("cannot create {}: {err}", dir.display())))?;
        let partial = dir.join(format!(".debuginfo.{}.part", std::process::id()));
        let result = self.save(response, &partial, expected);
        let result = result.and_then(|()| verify(&partial, build_id).map_err(Problem::File));
        match result {
            Ok(()) => {
                std::fs::rename(&partial, path).map_err(|err| {
                    Problem::Server(format!("cannot write {}: {err}", path.display()))
                })?;
                Ok(true)
            }
            Err(problem) => {
                let _ = std::fs::remove_file(&partial);
                Err(problem)
            }
        }
    }

    fn save(
        &self,
        response: ureq::Response,
        partial: &Path,
        expected: Option<u64>,
    ) -> Result<(), Problem> {
        let mut file = std::fs::File::create(partial)
            .map_err(|err| Problem::Server(format!("cannot write {}: {err}", partial.display())))?;
        let mut reader = response.into_reader().take(self.max_size + 1);
        let copied = std::io::copy(&mut reader, &mut file);
        let written = match copied {
            Ok(written) => written,
            Err(err)
                if err.kind() == std::io::ErrorKind::TimedOut
                    || err.kind() == std::io::ErrorKind::WouldBlock =>
            {
                return Err(Problem::Server(format!("download stalled: {err}")))
            }
            Err(err) => return Err(Problem::File(format!("download ended early: {err}"))),
        };
        file.flush()
            .map_err(|err| Problem::Server(format!("cannot write {}: {err}", partial.display())))?;
        if written > self.max_size {
            return Err(Problem::File(format!(
                "more than the limit of {} bytes (DEBUGINFOD_MAXSIZE)",
                self.max_size
            )));
        }
        if let Some(expected) = expected {
            if written != expected {
                return Err(Problem::File(format!(
                    "truncated: {written} of {expected} bytes"
                )));
            }
        }
        Ok(())
    }
}

enum Problem {
    /// The server cannot be reached or misbehaves: do not ask it again.
    Server(String),
    /// The file is bad: discard it.
    File(String),
}

/// Whether the ELF at `path` has build ID `build_id`.
pub fn verify(path: &Path, build_id: &str) -> Result<(), String> {
    let image = Image::open(path).map_err(|err| format!("{err}"))?;
    match image.build_id_hex() {
        Some(own) if own.eq_ignore_ascii_case(build_id) => Ok(()),
        Some(own) => Err(format!("its build id is {own}, not {build_id}")),
        None => Err(format!("it has no build id, {build_id} was asked for")),
    }
}
