//! A copy of every audit record for the local syslog (RFC 5424 over the
//! `/dev/log` datagram socket), which a team's log pipeline forwards to a
//! place the agent cannot edit. Best effort: the file log is the one that
//! must be written before anything runs.

use std::os::unix::net::UnixDatagram;
use std::path::Path;

/// facility local0 (16) × 8 + severity notice (5).
const PRIORITY: u8 = 16 * 8 + 5;
pub const APP_NAME: &str = "dev-postgres";

/// One RFC 5424 message carrying `record` (a JSON line) as its text.
pub fn message(record: &str, host: &str, pid: u32) -> String {
    let time = crate::text::utc_now_rfc3339(6);
    format!("<{PRIORITY}>1 {time} {host} {APP_NAME} {pid} audit - {record}")
}

/// Sends `record` to the syslog socket at `socket`.
pub fn send_to(socket: &Path, record: &str) -> std::io::Result<()> {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "-".into());
    let datagram = UnixDatagram::unbound()?;
    datagram.send_to(
        message(record, &host, std::process::id()).as_bytes(),
        socket,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_arrives_as_one_rfc5424_message() {
        let dir = std::env::temp_dir().join(format!("dp-syslog-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let socket = dir.join("log");
        let server = UnixDatagram::bind(&socket).unwrap();
        send_to(&socket, r#"{"seq":1}"#).unwrap();
        let mut buffer = [0u8; 4096];
        let n = server.recv(&mut buffer).unwrap();
        let text = std::str::from_utf8(&buffer[..n]).unwrap();
        assert!(text.starts_with("<133>1 "), "{text}");
        assert!(text.contains(" dev-postgres "), "{text}");
        assert!(text.ends_with(r#" audit - {"seq":1}"#), "{text}");
    }
}
