//! No secret leaves. Every value the binaries know as a secret — passwords
//! from the configuration (literal or `${VAR}`), PGPASSWORD, every password
//! in the password and service files — is replaced by `***` in everything
//! they print or log, including SQL text the agent passed back to us (the
//! agent's shell expands `pg-query "$DB_PASSWORD"` before we see it).

use super::libpq;
use super::Config;
use std::io::{self, Write};
use std::path::Path;

/// What a secret is shown as.
pub const MASK: &str = "***";
/// Shorter values are not masked: masking a two-letter password would mask
/// every occurrence of those letters and tell the reader what it is.
pub const MIN_SECRET_LEN: usize = 4;

/// The known secrets, longest first (so a secret containing another is masked whole).
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} secrets)", self.secrets.len())
    }
}

impl Redactor {
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Redactor {
        // Each secret also as the output formats escape it (JSON, CSV,
        // markdown, psql's escapes of control characters).
        let mut secrets: Vec<String> = secrets
            .into_iter()
            .filter(|s| s.len() >= MIN_SECRET_LEN)
            .flat_map(|secret| escaped_forms(&secret))
            .collect();
        secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        secrets.dedup();
        Redactor { secrets }
    }

    /// Every secret this process could have resolved for `config`.
    pub fn for_config(
        config: Option<&Config>,
        env: &dyn Fn(&str) -> Option<String>,
        home: Option<&Path>,
    ) -> Redactor {
        let mut secrets = Vec::new();
        if let Some(config) = config {
            for connection in config.connections.values() {
                if let Some(password) = &connection.password {
                    match super::expand(password, "password", env) {
                        Ok(value) => secrets.push(value),
                        Err(_) => secrets.push(password.clone()),
                    }
                }
            }
        }
        secrets.extend(env("PGPASSWORD"));
        secrets.extend(libpq::every_stored_password(env, home));
        // The account's own files too, whatever PGPASSFILE or PGSERVICEFILE
        // say now: the agent can unset or redirect those.
        let account_home = super::paths::account_home();
        secrets.extend(libpq::every_stored_password(
            &|_| None,
            account_home.as_deref(),
        ));
        Redactor::new(secrets)
    }

    /// Both sets of secrets.
    pub fn merged(self, other: Redactor) -> Redactor {
        Redactor::new(self.secrets.into_iter().chain(other.secrets))
    }

    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// `text` with every secret masked.
    pub fn redact(&self, text: &str) -> String {
        let mut text = text.to_string();
        for secret in &self.secrets {
            if text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), MASK);
            }
        }
        text
    }

    /// A writer that masks every secret in what passes through it, even
    /// when a secret is split across writes.
    pub fn writer<W: Write>(&self, inner: W) -> RedactingWriter<W> {
        RedactingWriter {
            inner,
            pending: Vec::new(),
            secrets: self.secrets.iter().map(|s| s.as_bytes().to_vec()).collect(),
        }
    }
}

/// `secret` as it is, and as each output format would print it.
fn escaped_forms(secret: &str) -> Vec<String> {
    let json = serde_json::Value::String(secret.to_string()).to_string();
    let json = json
        .get(1..json.len().saturating_sub(1))
        .unwrap_or_default()
        .to_string();
    let csv = secret.replace('"', "\"\"");
    let markdown = secret.replace('\\', "\\\\").replace('|', "\\|");
    let visible = crate::text::visible(secret);
    let mut forms = vec![secret.to_string(), json, csv, markdown, visible];
    forms.sort();
    forms.dedup();
    forms
}

/// See [`Redactor::writer`]. Bytes that could begin a secret are held back
/// until the next write shows whether they do; [`RedactingWriter::finish`]
/// lets them out.
pub struct RedactingWriter<W: Write> {
    inner: W,
    pending: Vec<u8>,
    secrets: Vec<Vec<u8>>,
}

impl<W: Write> RedactingWriter<W> {
    /// Masks and writes what can be decided; keeps a possible secret's start.
    fn drain(&mut self, at_end: bool) -> io::Result<()> {
        let mut out = Vec::with_capacity(self.pending.len());
        let mut i = 0;
        let pending = std::mem::take(&mut self.pending);
        'scan: while i < pending.len() {
            let rest = pending.get(i..).unwrap_or_default();
            for secret in &self.secrets {
                if rest.starts_with(secret) {
                    out.extend_from_slice(MASK.as_bytes());
                    i += secret.len();
                    continue 'scan;
                }
                if !at_end && secret.starts_with(rest) {
                    // Could be a secret cut by the write boundary: wait.
                    self.pending = rest.to_vec();
                    break 'scan;
                }
            }
            out.extend_from_slice(rest.get(..1).unwrap_or_default());
            i += 1;
        }
        self.inner.write_all(&out)
    }

    /// Writes out everything held back, and returns the inner writer.
    /// Without it, held-back bytes (at most a secret's length) are lost, never leaked.
    pub fn finish(mut self) -> io::Result<W> {
        self.drain(true)?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.secrets.is_empty() {
            return self.inner.write(buf);
        }
        self.pending.extend_from_slice(buf);
        self.drain(false)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn redactor() -> Redactor {
        Redactor::new([
            "s3cret-pw".to_string(),
            "s3cret".to_string(),
            "ab".to_string(),
        ])
    }

    #[test]
    fn every_occurrence_is_masked_longest_first_and_short_values_are_not() {
        let r = redactor();
        assert_eq!(
            r.redact("SELECT 's3cret-pw', 's3cret', 'ab'"),
            "SELECT '***', '***', 'ab'"
        );
    }

    #[test]
    fn a_secret_split_across_writes_is_masked() {
        let r = redactor();
        let mut out = Vec::new();
        {
            let mut w = r.writer(&mut out);
            for piece in ["x s3c", "ret-", "pw y s3", "cret", " z s3c"] {
                w.write_all(piece.as_bytes()).unwrap();
            }
            w.finish().unwrap();
        }
        assert_eq!(String::from_utf8(out).unwrap(), "x *** y *** z s3c");
    }

    #[test]
    fn a_secret_is_masked_as_each_format_escapes_it() {
        let r = Redactor::new(["pa\"ss\\w|rd".to_string()]);
        for printed in [
            "pa\"ss\\w|rd",     // aligned
            r#"pa\"ss\\w|rd"#,  // JSON
            "pa\"\"ss\\w|rd",   // CSV
            "pa\"ss\\\\w\\|rd", // markdown
        ] {
            assert_eq!(r.redact(printed), "***", "{printed}");
        }
    }

    #[test]
    fn with_no_secrets_bytes_pass_unchanged() {
        let r = Redactor::new(Vec::new());
        let mut out = Vec::new();
        let mut w = r.writer(&mut out);
        w.write_all(b"psql s3cret").unwrap();
        w.finish().unwrap();
        assert_eq!(out, b"psql s3cret");
    }
}
