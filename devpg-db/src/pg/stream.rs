//! The byte stream to the server: TCP, TLS over TCP, or a Unix socket.

use super::error::PgError;
use super::tls::client_config;
use bytes::BytesMut;
use devpg_policy::config::{ConnectParams, SslMode};
use postgres_protocol::message::frontend;
use rustls::pki_types::ServerName;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long one blocking read or write on the socket lasts before the client
/// looks at its deadline and at interrupts: short, so a signal ends a run
/// within a second whatever the network does.
pub const POLL: Duration = Duration::from_millis(100);

/// The process's interrupt flag: a binary registers SIGINT, SIGTERM and
/// SIGHUP on it (signal_hook::flag::register), and every client checks it
/// between polls, from the first connect on.
pub fn interrupt_flag() -> Arc<AtomicBool> {
    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    Arc::clone(FLAG.get_or_init(|| Arc::new(AtomicBool::new(false))))
}

pub enum Stream {
    Tcp(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
    #[cfg(unix)]
    Unix(std::os::unix::net::UnixStream),
}

/// Where a cancel request goes.
#[derive(Debug, Clone)]
pub enum Target {
    Tcp(SocketAddr),
    #[cfg(unix)]
    Unix(PathBuf),
}

impl Stream {
    /// Connects before `deadline` (the whole of `connect_timeout`, shared
    /// by libpq's TLS fallbacks).
    pub fn open(
        params: &ConnectParams,
        home: Option<&Path>,
        use_tls: bool,
        deadline: Instant,
    ) -> Result<(Stream, Target), PgError> {
        let left = || {
            deadline
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(10))
        };
        let timeout = left();
        let described = format!("connection '{}' ({})", params.name, params.describe());
        #[cfg(unix)]
        if params.host.starts_with('/') {
            let path = Path::new(&params.host).join(format!(".s.PGSQL.{}", params.port));
            let socket = std::os::unix::net::UnixStream::connect(&path).map_err(|e| {
                PgError::Connection(format!(
                    "{described}: cannot reach the Unix socket {}: {e}. Is the server running there?",
                    path.display()
                ))
            })?;
            socket.set_read_timeout(Some(POLL)).ok();
            socket.set_write_timeout(Some(POLL)).ok();
            return Ok((Stream::Unix(socket), Target::Unix(path)));
        }
        let addresses: Vec<SocketAddr> = (params.host.as_str(), params.port)
            .to_socket_addrs()
            .map_err(|e| {
                PgError::Connection(format!(
                    "{described}: cannot resolve host '{}': {e}. Check \"host\"",
                    params.host
                ))
            })?
            .collect();
        let mut last = None;
        let mut connected = None;
        for address in &addresses {
            if interrupt_flag().load(Ordering::SeqCst) {
                return Err(PgError::Cancelled(format!(
                    "{described}: interrupted while connecting"
                )));
            }
            match TcpStream::connect_timeout(address, left()) {
                Ok(tcp) => {
                    connected = Some((tcp, *address));
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        let (tcp, address) = connected.ok_or_else(|| {
            let timed_out = last
                .as_ref()
                .is_some_and(|e| matches!(e.kind(), io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock));
            let why = last.map_or_else(|| "no address".to_string(), |e| e.to_string());
            if timed_out {
                return PgError::TimedOut(format!(
                    "{described}: no answer from {}:{} within connect_timeout ({} s). Check \"host\", \"port\" and the network",
                    params.host, params.port, timeout.as_secs().max(1)
                ));
            }
            PgError::Connection(format!(
                "{described}: cannot connect to {}:{}: {why}. Check \"host\" and \"port\", and that the server accepts TCP connections",
                params.host, params.port
            ))
        })?;
        tcp.set_nodelay(true).ok();
        tcp.set_read_timeout(Some(POLL)).ok();
        tcp.set_write_timeout(Some(POLL)).ok();
        let target = Target::Tcp(address);
        let stream = if use_tls {
            negotiate_tls(tcp, params, home, deadline).map_err(|e| match e {
                TlsFailure::Interrupted => {
                    PgError::Cancelled(format!("{described}: interrupted while connecting"))
                }
                TlsFailure::TimedOut(e) => PgError::TimedOut(format!(
                    "{described}: the server accepted the connection but did not answer within connect_timeout ({e})"
                )),
                TlsFailure::Other(e) => PgError::Connection(format!("{described}: {e}")),
            })?
        } else {
            Stream::Tcp(tcp)
        };
        stream.set_poll();
        Ok((stream, target))
    }

    fn tcp(&self) -> Option<&TcpStream> {
        match self {
            Stream::Tcp(tcp) => Some(tcp),
            Stream::Tls(tls) => Some(&tls.sock),
            #[cfg(unix)]
            Stream::Unix(_) => None,
        }
    }

    /// Every read and write returns after `POLL` at most, so the client can
    /// check its deadline and interrupts.
    fn set_poll(&self) {
        #[cfg(unix)]
        if let Stream::Unix(socket) = self {
            socket.set_read_timeout(Some(POLL)).ok();
            socket.set_write_timeout(Some(POLL)).ok();
        }
        if let Some(tcp) = self.tcp() {
            tcp.set_read_timeout(Some(POLL)).ok();
            tcp.set_write_timeout(Some(POLL)).ok();
        }
    }

    /// Closes both directions at once: whatever the peer does, nothing more
    /// is read or written.
    pub fn shutdown(&self) {
        #[cfg(unix)]
        if let Stream::Unix(socket) = self {
            socket.shutdown(std::net::Shutdown::Both).ok();
        }
        if let Some(tcp) = self.tcp() {
            tcp.shutdown(std::net::Shutdown::Both).ok();
        }
    }
}

enum TlsFailure {
    TimedOut(String),
    Interrupted,
    Other(String),
}

/// The TCP socket during TLS negotiation: reads and writes wait in polls
/// until the connect deadline, and stop at once on an interrupt.
struct Patient<'a> {
    tcp: &'a mut TcpStream,
    deadline: Instant,
}

impl Patient<'_> {
    fn wait<T>(&mut self, mut io: impl FnMut(&mut TcpStream) -> io::Result<T>) -> io::Result<T> {
        loop {
            match io(self.tcp) {
                Err(e) if is_timeout(&e) => {
                    if interrupt_flag().load(Ordering::SeqCst) {
                        // Not ErrorKind::Interrupted: read_exact and write_all retry that.
                        return Err(io::Error::new(
                            io::ErrorKind::ConnectionAborted,
                            "interrupted",
                        ));
                    }
                    if Instant::now() >= self.deadline {
                        return Err(io::Error::new(io::ErrorKind::TimedOut, "no answer"));
                    }
                }
                other => return other,
            }
        }
    }
}

impl Read for Patient<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.wait(|tcp| tcp.read(buf))
    }
}

impl Write for Patient<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.wait(|tcp| tcp.write(buf))
    }
    fn flush(&mut self) -> io::Result<()> {
        self.wait(|tcp| tcp.flush())
    }
}

impl From<String> for TlsFailure {
    fn from(e: String) -> Self {
        TlsFailure::Other(e)
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
    )
}

fn negotiate_tls(
    mut tcp: TcpStream,
    params: &ConnectParams,
    home: Option<&Path>,
    deadline: Instant,
) -> Result<Stream, TlsFailure> {
    let failed = |what: &str, e: io::Error| {
        if e.kind() == io::ErrorKind::ConnectionAborted {
            TlsFailure::Interrupted
        } else if is_timeout(&e) {
            TlsFailure::TimedOut(format!("{what}: no answer"))
        } else {
            TlsFailure::Other(format!("{what} failed: {e}"))
        }
    };
    let mut request = BytesMut::new();
    frontend::ssl_request(&mut request);
    let mut patient = Patient {
        tcp: &mut tcp,
        deadline,
    };
    patient
        .write_all(&request)
        .map_err(|e| failed("TLS request", e))?;
    let mut answer = [0u8; 1];
    patient
        .read_exact(&mut answer)
        .map_err(|e| failed("TLS request", e))?;
    if answer[0] != b'S' {
        return match params.sslmode {
            SslMode::Prefer | SslMode::Allow => Ok(Stream::Tcp(tcp)),
            mode => Err(TlsFailure::Other(format!(
                "the server does not accept TLS, and sslmode is {}",
                mode.as_str()
            ))),
        };
    }
    let config = client_config(params, home)?;
    let name = ServerName::try_from(params.host.clone())
        .map_err(|_| format!("'{}' is not a valid TLS server name", params.host))?;
    let mut connection = rustls::ClientConnection::new(Arc::new(config), name)
        .map_err(|e| format!("TLS setup failed: {e}"))?;
    let mut patient = Patient {
        tcp: &mut tcp,
        deadline,
    };
    while connection.is_handshaking() {
        connection.complete_io(&mut patient).map_err(|e| {
            if e.kind() == io::ErrorKind::ConnectionAborted {
                TlsFailure::Interrupted
            } else if is_timeout(&e) {
                TlsFailure::TimedOut("TLS handshake: no answer".into())
            } else {
                TlsFailure::Other(format!(
                    "TLS handshake failed ({e}): check sslmode and sslrootcert"
                ))
            }
        })?;
    }
    Ok(Stream::Tls(Box::new(rustls::StreamOwned::new(
        connection, tcp,
    ))))
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
            #[cfg(unix)]
            Stream::Unix(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
            #[cfg(unix)]
            Stream::Unix(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
            #[cfg(unix)]
            Stream::Unix(s) => s.flush(),
        }
    }
}

/// Why a run was told to stop.
pub(super) const RUNNING: u8 = 0;
pub(super) const CANCELLED: u8 = 1;
pub(super) const TIMED_OUT: u8 = 2;

/// Cancels the statement a connection is running, from any thread, and
/// tells the connection to give up waiting if the server does not answer.
#[derive(Debug, Clone)]
pub struct CancelToken {
    target: Target,
    key: Arc<Mutex<Option<(i32, i32)>>>,
    /// `RUNNING`, `CANCELLED` or `TIMED_OUT`, read by the client between polls.
    pub(super) stop: Arc<AtomicU8>,
}

/// How long the cancel request may take: connect, send, wait for the close.
const CANCEL_WAIT: Duration = Duration::from_millis(400);

impl CancelToken {
    pub(super) fn new(target: Target) -> Self {
        CancelToken {
            target,
            key: Arc::new(Mutex::new(None)),
            stop: Arc::new(AtomicU8::new(RUNNING)),
        }
    }

    /// `cancel`, recorded as a timeout: the error the run ends with is
    /// `PgError::TimedOut` if the server does not answer the cancel in time.
    pub fn time_out(&self) -> io::Result<()> {
        let _ = self
            .stop
            .compare_exchange(RUNNING, TIMED_OUT, Ordering::SeqCst, Ordering::SeqCst);
        self.send_cancel()
    }

    /// Whether the server gave a key to cancel with (it does once connected).
    pub(super) fn has_key(&self) -> bool {
        self.key.lock().ok().is_some_and(|k| k.is_some())
    }

    pub(super) fn set_key(&self, process_id: i32, secret: i32) {
        if let Ok(mut key) = self.key.lock() {
            *key = Some((process_id, secret));
        }
    }

    /// Sends a cancel request on a new connection. Best effort: the server
    /// answers nothing, and the statement ends with SQLSTATE 57014. The
    /// connection waits a moment for that answer, then gives up
    /// (`PgError::Cancelled`): a frozen network cannot hold the run.
    pub fn cancel(&self) -> io::Result<()> {
        let _ = self
            .stop
            .compare_exchange(RUNNING, CANCELLED, Ordering::SeqCst, Ordering::SeqCst);
        self.send_cancel()
    }

    fn send_cancel(&self) -> io::Result<()> {
        let Some((process_id, secret)) = self.key.lock().ok().and_then(|k| *k) else {
            return Ok(());
        };
        let mut message = BytesMut::new();
        frontend::cancel_request(process_id, secret, &mut message);
        match &self.target {
            Target::Tcp(address) => {
                let mut tcp = TcpStream::connect_timeout(address, CANCEL_WAIT)?;
                tcp.set_read_timeout(Some(CANCEL_WAIT)).ok();
                tcp.set_write_timeout(Some(CANCEL_WAIT)).ok();
                tcp.write_all(&message)?;
                let _ = tcp.read(&mut [0u8; 1]);
            }
            #[cfg(unix)]
            Target::Unix(path) => {
                let mut socket = std::os::unix::net::UnixStream::connect(path)?;
                socket.set_read_timeout(Some(CANCEL_WAIT)).ok();
                socket.set_write_timeout(Some(CANCEL_WAIT)).ok();
                socket.write_all(&message)?;
                let _ = socket.read(&mut [0u8; 1]);
            }
        }
        Ok(())
    }
}
