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
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
    pub fn open(
        params: &ConnectParams,
        home: Option<&Path>,
        use_tls: bool,
    ) -> Result<(Stream, Target), PgError> {
        let timeout = Duration::from_secs(params.connect_timeout.max(1));
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
            socket.set_read_timeout(Some(timeout)).ok();
            socket.set_write_timeout(Some(timeout)).ok();
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
            match TcpStream::connect_timeout(address, timeout) {
                Ok(tcp) => {
                    connected = Some((tcp, *address));
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        let (tcp, address) = connected.ok_or_else(|| {
            let why = last.map_or_else(|| "no address".to_string(), |e| e.to_string());
            PgError::Connection(format!(
                "{described}: cannot connect to {}:{}: {why}. Check \"host\" and \"port\", and that the server accepts TCP connections",
                params.host, params.port
            ))
        })?;
        tcp.set_nodelay(true).ok();
        tcp.set_read_timeout(Some(timeout)).ok();
        tcp.set_write_timeout(Some(timeout)).ok();
        let target = Target::Tcp(address);
        if !use_tls {
            return Ok((Stream::Tcp(tcp), target));
        }
        let tls = negotiate_tls(tcp, params, home)
            .map_err(|e| PgError::Connection(format!("{described}: {e}")))?;
        Ok((tls, target))
    }

    pub fn clear_timeouts(&self) {
        let tcp = match self {
            Stream::Tcp(tcp) => tcp,
            Stream::Tls(tls) => &tls.sock,
            #[cfg(unix)]
            Stream::Unix(socket) => {
                socket.set_read_timeout(None).ok();
                socket.set_write_timeout(None).ok();
                return;
            }
        };
        tcp.set_read_timeout(None).ok();
        tcp.set_write_timeout(None).ok();
    }
}

fn negotiate_tls(
    mut tcp: TcpStream,
    params: &ConnectParams,
    home: Option<&Path>,
) -> Result<Stream, String> {
    let mut request = BytesMut::new();
    frontend::ssl_request(&mut request);
    tcp.write_all(&request)
        .map_err(|e| format!("TLS request failed: {e}"))?;
    let mut answer = [0u8; 1];
    tcp.read_exact(&mut answer)
        .map_err(|e| format!("TLS request failed: {e}"))?;
    if answer[0] != b'S' {
        return match params.sslmode {
            SslMode::Prefer | SslMode::Allow => Ok(Stream::Tcp(tcp)),
            mode => Err(format!(
                "the server does not accept TLS, and sslmode is {}",
                mode.as_str()
            )),
        };
    }
    let config = client_config(params, home)?;
    let name = ServerName::try_from(params.host.clone())
        .map_err(|_| format!("'{}' is not a valid TLS server name", params.host))?;
    let mut connection = rustls::ClientConnection::new(Arc::new(config), name)
        .map_err(|e| format!("TLS setup failed: {e}"))?;
    while connection.is_handshaking() {
        connection
            .complete_io(&mut tcp)
            .map_err(|e| format!("TLS handshake failed ({e}): check sslmode and sslrootcert"))?;
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

/// Cancels the statement a connection is running, from any thread.
#[derive(Debug, Clone)]
pub struct CancelToken {
    target: Target,
    key: Arc<Mutex<Option<(i32, i32)>>>,
}

impl CancelToken {
    pub(super) fn new(target: Target) -> Self {
        CancelToken {
            target,
            key: Arc::new(Mutex::new(None)),
        }
    }

    pub(super) fn set_key(&self, process_id: i32, secret: i32) {
        if let Ok(mut key) = self.key.lock() {
            *key = Some((process_id, secret));
        }
    }

    /// Sends a cancel request on a new connection. Best effort: the server
    /// answers nothing, and the statement ends with SQLSTATE 57014.
    pub fn cancel(&self) -> io::Result<()> {
        let Some((process_id, secret)) = self.key.lock().ok().and_then(|k| *k) else {
            return Ok(());
        };
        let mut message = BytesMut::new();
        frontend::cancel_request(process_id, secret, &mut message);
        match &self.target {
            Target::Tcp(address) => {
                let mut tcp = TcpStream::connect_timeout(address, Duration::from_secs(5))?;
                tcp.write_all(&message)?;
                let _ = tcp.read(&mut [0u8; 1]);
            }
            #[cfg(unix)]
            Target::Unix(path) => {
                let mut socket = std::os::unix::net::UnixStream::connect(path)?;
                socket.write_all(&message)?;
                let _ = socket.read(&mut [0u8; 1]);
            }
        }
        Ok(())
    }
}
