//! A local, synchronous HTTP server that behaves like the DigitalOcean API v2 for the endpoints
//! stagecraft uses, with test controls under `/_sandbox/` (see docs/sandbox.md).

mod api;
pub mod args;
mod catalogue;
mod clock;
mod conns;
mod control;
mod error;
mod faults;
mod fingerprint;
mod http;
mod ids;
mod model;
mod options;
mod paginate;
mod pipeline;
mod ratelimit;
mod render;
mod seed;
mod server;
mod shared;
mod state;
mod validate;

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

pub use args::ServeArgs;
pub use error::SandboxError;
pub use options::{ConnectionLimits, SandboxOptions, SeedKey};

use faults::Faults;
use model::Data;
use shared::{Inner, Shared};
use state::{Settings, State};

/// A running sandbox server.
pub struct Sandbox {
    shared: Arc<Shared>,
    addr: SocketAddr,
    accept: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token is deliberately left out.
        f.debug_struct("Sandbox")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

fn load(path: &PathBuf) -> Result<Option<Data>, SandboxError> {
    match std::fs::read(path) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|source| SandboxError::StateCorrupt {
                    path: path.clone(),
                    source,
                })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(SandboxError::StateRead {
            path: path.clone(),
            source,
        }),
    }
}

impl Sandbox {
    /// Binds, loads the state file, seeds keys, spawns the server thread and returns at once.
    pub fn start(opts: SandboxOptions) -> Result<Sandbox, SandboxError> {
        let boot_ms = opts.boot_time.as_millis().min(i64::MAX as u128) as i64;
        let settings = Settings {
            boot_ms,
            action_ms: boot_ms,
            public_ip: opts.public_ip,
        };
        let state = match &opts.state_file {
            Some(path) => match load(path)? {
                Some(data) => State::new(data, settings),
                None => State::fresh(settings, clock::real_now_ms()),
            },
            None => State::fresh(settings, clock::real_now_ms()),
        };
        let listener = TcpListener::bind(opts.listen).map_err(|source| SandboxError::Bind {
            addr: opts.listen,
            source,
        })?;
        let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
            addr: opts.listen,
            source,
        })?;
        let host = if addr.ip().is_unspecified() {
            SocketAddr::from((Ipv4Addr::LOCALHOST, addr.port()))
        } else {
            addr
        };
        let (limiter, keys_limiter) =
            pipeline::limiters(opts.rate_limit_per_hour, opts.rate_limit_per_minute);
        let shared = Arc::new(Shared {
            inner: std::sync::Mutex::new(Inner {
                state,
                limiter,
                keys_limiter,
                faults: Faults::default(),
                log: Vec::new(),
                counters: Default::default(),
                next_request: 0,
                persist_error: None,
            }),
            token: opts.token.clone(),
            state_file: opts.state_file.clone(),
            base_url: format!("http://{host}"),
            seed_keys: opts.seed_ssh_keys.clone(),
            shutdown: AtomicBool::new(false),
            conns: conns::Conns::new(opts.connections.max),
            limits: opts.connections.clone(),
            latency: opts.latency,
        });
        {
            let mut inner = shared.lock();
            control::seed_keys(&shared, &mut inner).map_err(|e| SandboxError::SeedKey {
                name: opts
                    .seed_ssh_keys
                    .iter()
                    .map(|k| k.name.clone())
                    .collect::<Vec<_>>()
                    .join(", "),
                message: e.message,
            })?;
            if let Some(path) = &opts.state_file {
                inner
                    .state
                    .save(path)
                    .map_err(|source| SandboxError::StateWrite {
                        path: path.clone(),
                        source,
                    })?;
            }
        }
        let thread_shared = Arc::clone(&shared);
        let accept = std::thread::Builder::new()
            .name("sandbox-accept".into())
            .spawn(move || server::accept_loop(thread_shared, listener))
            .map_err(SandboxError::Thread)?;
        Ok(Sandbox {
            shared,
            addr,
            accept: Some(accept),
        })
    }

    /// `http://host:port`, no trailing slash and no `/v2`.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops serving (open connections close at their next request) and saves the state.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if self.shared.shutdown.swap(true, Ordering::SeqCst) {
            return;
        }
        server::wake(self.addr);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
        self.shared.conns.close_idle();
        let mut inner = self.shared.lock();
        self.shared.persist(&mut inner);
    }

    /// Serves until the process ends.
    pub fn wait(mut self) {
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        // A sandbox dropped without shutdown() (e.g. a failing test) still releases its port.
        if self.accept.is_some() {
            self.stop();
        }
    }
}
