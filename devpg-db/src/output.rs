//! Result formats. Values arrive as the server's text output, so they read as
//! psql prints them; each format says when a result was cut short in a way it
//! can carry (a footer line for aligned and markdown; stderr for csv, json,
//! jsonl, whose stdout stays machine-readable).

use crate::pg::{Column, RowSink, StatementResult, Truncation};
use devpg_policy::text::{needs_escape, terminal_safe};
use std::io::{self, Write};
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Aligned,
    Csv,
    Json,
    Jsonl,
    Markdown,
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "aligned" | "table" => Format::Aligned,
            "csv" => Format::Csv,
            "json" => Format::Json,
            "jsonl" => Format::Jsonl,
            "markdown" | "md" => Format::Markdown,
            other => {
                return Err(format!(
                    "unknown format '{other}': expected aligned, csv, json, jsonl or markdown"
                ))
            }
        })
    }
}

/// Type OIDs whose values JSON writes as numbers (when they are finite).
const NUMERIC_TYPES: &[u32] = &[20, 21, 23, 26, 700, 701, 1700];
/// Type OIDs psql right-aligns: int2/4/8, float4/8, numeric, oid, xid, xid8, cid, money.
const RIGHT_ALIGNED_TYPES: &[u32] = &[20, 21, 23, 26, 28, 29, 700, 701, 790, 1700, 5069];
const BOOL: u32 = 16;
const JSON_TYPES: &[u32] = &[114, 3802];
/// What an aligned table buffers to compute its widths before it prints a
/// chunk (values plus 4 bytes a cell), like psql's FETCH_COUNT: the byte
/// budget stops fetching before this unless it is larger or off.
const ALIGNED_CHUNK_BYTES: usize = 64 * 1024 * 1024;

pub struct Printer<W: Write> {
    out: W,
    format: Format,
    columns: Vec<Column>,
    /// Aligned: the buffered values, one after another…
    data: String,
    /// …and where each cell ends in `data` (a row is `columns.len()` cells)…
    ends: Vec<u32>,
    /// …except large values of a cut row, kept as they came (cell index, text).
    owned: Vec<(usize, String)>,
    /// Aligned: each column's width so far (header included).
    widths: Vec<usize>,
    /// Aligned: whether the header of this statement was printed.
    header_printed: bool,
    rows_in_statement: u64,
    statements_printed: usize,
}

impl<W: Write> Printer<W> {
    pub fn new(out: W, format: Format) -> Self {
        Printer {
            out,
            format,
            columns: Vec::new(),
            data: String::new(),
            ends: Vec::new(),
            owned: Vec::new(),
            widths: Vec::new(),
            header_printed: false,
            rows_in_statement: 0,
            statements_printed: 0,
        }
    }

    /// Ends one statement's output: the table, the footer or the command tag.
    /// Returns a note for stderr when the format cannot carry truncation itself.
    pub fn finish_statement(&mut self, result: &StatementResult) -> io::Result<Option<String>> {
        let truncated = result.truncated.map(|t| match t {
            Truncation::MaxRows(n) => format!(
                "truncated at {n} rows: more rows exist (raise --max-rows or narrow the query)"
            ),
            Truncation::MaxBytes(n) => {
                let mut text = format!(
                    "truncated at the result budget of {n} bytes (security.max_result_bytes; every value, NULL and row counts): narrow the query or select fewer columns"
                );
                if let Some(cut) = result.cut {
                    let name = self
                        .columns
                        .get(cut.column)
                        .map_or_else(|| format!("{}", cut.column + 1), |c| {
                            terminal_safe(&c.name, false).into_owned()
                        });
                    text.push_str(&format!(
                        "; the value of column \"{name}\" in the last row was cut after {} of its {} bytes",
                        cut.kept, cut.total
                    ));
                }
                text
            }
        });
        let mut note = None;
        match self.format {
            Format::Aligned => {
                if result.has_rows {
                    self.print_aligned()?;
                    let n = result.rows;
                    let rows = if n == 1 {
                        "1 row".to_string()
                    } else {
                        format!("{n} rows")
                    };
                    match &truncated {
                        Some(t) => writeln!(self.out, "({rows}; {t})\n")?,
                        None => writeln!(self.out, "({rows})\n")?,
                    }
                } else {
                    writeln!(self.out, "{}", result.tag)?;
                }
            }
            Format::Markdown => {
                if result.has_rows {
                    if self.rows_in_statement == 0 && self.columns.is_empty() {
                        writeln!(self.out, "(no columns)")?;
                    }
                    let n = result.rows;
                    match &truncated {
                        Some(t) => writeln!(self.out, "\n_{n} rows; {}_", markdown_cell(Some(t)))?,
                        None => writeln!(self.out, "\n_{n} row{}_", if n == 1 { "" } else { "s" })?,
                    }
                } else {
                    writeln!(self.out, "`{}`", result.tag)?;
                }
            }
            Format::Csv => {
                if !result.has_rows && !result.tag.is_empty() {
                    note = Some(result.tag.clone());
                }
                if let Some(t) = &truncated {
                    note = Some(t.clone());
                }
            }
            Format::Json => {
                if result.has_rows {
                    if self.rows_in_statement == 0 {
                        writeln!(self.out, "[]")?;
                    } else {
                        writeln!(self.out, "\n]")?;
                    }
                } else {
                    writeln!(self.out, "{}", serde_json::json!({"command": result.tag}))?;
                }
                note = truncated;
            }
            Format::Jsonl => {
                if !result.has_rows {
                    writeln!(self.out, "{}", serde_json::json!({"command": result.tag}))?;
                }
                note = truncated;
            }
        }
        self.columns.clear();
        self.widths.clear();
        self.header_printed = false;
        self.rows_in_statement = 0;
        self.statements_printed += 1;
        self.out.flush()?;
        Ok(note)
    }

    pub fn into_inner(self) -> W {
        self.out
    }

    /// psql's aligned format (border 1): every cell is ` value ` joined by
    /// `|`; the last column is not padded unless right-aligned; a cell that
    /// continues on the next line ends in `+` instead of a space. Prints
    /// what is buffered (the header first, once) and empties the buffer.
    fn print_aligned(&mut self) -> io::Result<()> {
        if self.columns.is_empty() {
            if !self.header_printed {
                self.header_printed = true;
                writeln!(self.out, "--")?;
            }
            return Ok(());
        }
        if !self.header_printed {
            self.header_printed = true;
            let mut first = true;
            for (column, w) in self.columns.iter().zip(&self.widths) {
                let name = terminal_safe(&column.name, true);
                let pad = w.saturating_sub(shown_width(&column.name));
                if !first {
                    self.out.write_all(b"|")?;
                }
                first = false;
                self.out.write_all(b" ")?;
                write_spaces(&mut self.out, pad / 2)?;
                self.out.write_all(name.as_bytes())?;
                write_spaces(&mut self.out, pad - pad / 2)?;
                self.out.write_all(b" ")?;
            }
            writeln!(self.out)?;
            for (i, w) in self.widths.iter().enumerate() {
                if i > 0 {
                    self.out.write_all(b"+")?;
                }
                write_repeated(&mut self.out, b'-', w + 2)?;
            }
            writeln!(self.out)?;
        }
        let data = std::mem::take(&mut self.data);
        let ends = std::mem::take(&mut self.ends);
        let owned = std::mem::take(&mut self.owned);
        let count = self.columns.len();
        let last = count - 1;
        let cell = |index: usize| -> &str {
            if let Ok(at) = owned.binary_search_by_key(&index, |(i, _)| *i) {
                return owned.get(at).map_or("", |(_, text)| text.as_str());
            }
            let start = index
                .checked_sub(1)
                .and_then(|i| ends.get(i))
                .map_or(0, |&e| e as usize);
            let end = ends.get(index).map_or(start, |&e| e as usize);
            data.get(start..end).unwrap_or("")
        };
        for row in 0..ends.len() / count {
            let cells: Vec<&str> = (0..count).map(|i| cell(row * count + i)).collect();
            let height = cells
                .iter()
                .map(|c| c.split('\n').count())
                .max()
                .unwrap_or(1);
            let mut lines: Vec<std::str::Split<'_, char>> =
                cells.iter().map(|c| c.split('\n')).collect();
            let mut left: Vec<usize> = cells.iter().map(|c| c.split('\n').count()).collect();
            for _ in 0..height {
                for (i, split) in lines.iter_mut().enumerate() {
                    let exhausted = left.get(i).is_none_or(|&l| l == 0);
                    let text = split.next().unwrap_or("");
                    if let Some(l) = left.get_mut(i) {
                        *l = l.saturating_sub(1);
                    }
                    let more = left.get(i).is_some_and(|&l| l > 0);
                    let width = self.widths.get(i).copied().unwrap_or(0);
                    let pad = width.saturating_sub(shown_width(text));
                    let right = self
                        .columns
                        .get(i)
                        .is_some_and(|c| RIGHT_ALIGNED_TYPES.contains(&c.type_oid));
                    if i > 0 {
                        self.out.write_all(b"|")?;
                    }
                    self.out.write_all(b" ")?;
                    if exhausted && i == last {
                        // psql leaves a finished last cell empty.
                    } else if right {
                        write_spaces(&mut self.out, pad)?;
                        write_shown(&mut self.out, text)?;
                    } else {
                        write_shown(&mut self.out, text)?;
                        if i != last || more {
                            write_spaces(&mut self.out, pad)?;
                        }
                    }
                    if more {
                        self.out.write_all(b"+")?;
                    } else if i != last {
                        self.out.write_all(b" ")?;
                    }
                }
                self.out.write_all(b"\n")?;
            }
        }
        // Keep the (virtual) room for the next chunk.
        self.data = data;
        self.data.clear();
        self.ends = ends;
        self.ends.clear();
        Ok(())
    }

    fn write_json_object(&mut self, values: &[Option<&str>]) -> io::Result<()> {
        let mut object = String::from("{");
        for (i, (column, value)) in self.columns.iter().zip(values).enumerate() {
            if i > 0 {
                object.push(',');
            }
            json_string(&column.name, &mut object);
            object.push(':');
            // A large string goes out as it is escaped, not built first.
            if let (Some(text), true) = (value, value.is_some_and(|v| v.len() >= 64 * 1024)) {
                if !JSON_TYPES.contains(&column.type_oid)
                    && !NUMERIC_TYPES.contains(&column.type_oid)
                {
                    self.out.write_all(object.as_bytes())?;
                    object.clear();
                    write_json_string(&mut self.out, text)?;
                    continue;
                }
            }
            json_value(column.type_oid, *value, &mut object);
        }
        object.push('}');
        self.out.write_all(object.as_bytes())
    }
}

/// The width of a line as aligned output shows it (`terminal_safe`), counted
/// without building the escaped text (a cut value can be the whole budget).
fn shown_width(line: &str) -> usize {
    if !line.chars().any(needs_escape) {
        return display_width(line);
    }
    if line.contains('\t') {
        return display_width(&terminal_safe(line, true));
    }
    let mut width = 0;
    for c in line.chars() {
        width += match c {
            '\r' => 2,
            c if c.is_ascii_control() => 4,
            c if needs_escape(c) => 6,
            c => unicode_width::UnicodeWidthChar::width(c).unwrap_or(0),
        };
    }
    width
}

/// Writes a line as `terminal_safe` shows it, a piece at a time.
fn write_shown(out: &mut impl Write, line: &str) -> io::Result<()> {
    let mut rest = line;
    while !rest.is_empty() {
        let plain = rest.find(needs_escape).unwrap_or(rest.len());
        let (head, tail) = rest.split_at(plain);
        write_chunked(out, head)?;
        let Some(c) = tail.chars().next() else { break };
        // Tabs expand relative to the line start: escape from there on.
        if c == '\t' {
            return out.write_all(terminal_safe_from(line, line.len() - tail.len()).as_bytes());
        }
        out.write_all(terminal_safe(&tail[..c.len_utf8()], true).as_bytes())?;
        rest = &tail[c.len_utf8()..];
    }
    Ok(())
}

/// `line[from..]` escaped, with tab stops counted from the start of `line`.
fn terminal_safe_from(line: &str, from: usize) -> String {
    let escaped = terminal_safe(line, true);
    let prefix = terminal_safe(line.get(..from).unwrap_or(""), true);
    escaped.get(prefix.len()..).unwrap_or("").to_string()
}

/// Writes `text` in pieces of 64 KiB: a writer that filters what it is given
/// (the secret masker) then holds one piece at a time, not a whole value.
fn write_chunked(out: &mut impl Write, text: &str) -> io::Result<()> {
    for piece in text.as_bytes().chunks(64 * 1024) {
        out.write_all(piece)?;
    }
    Ok(())
}

fn write_spaces(out: &mut impl Write, n: usize) -> io::Result<()> {
    write_repeated(out, b' ', n)
}

/// `n` times `byte`, without building them in memory first.
fn write_repeated(out: &mut impl Write, byte: u8, n: usize) -> io::Result<()> {
    let block = [byte; 256];
    let mut left = n;
    while left > 0 {
        let take = left.min(block.len());
        out.write_all(block.get(..take).unwrap_or_default())?;
        left -= take;
    }
    Ok(())
}

fn json_value(type_oid: u32, value: Option<&str>, out: &mut String) {
    let Some(value) = value else {
        out.push_str("null");
        return;
    };
    let is_number = NUMERIC_TYPES.contains(&type_oid)
        && serde_json::from_str::<serde_json::Number>(value).is_ok();
    if is_number {
        out.push_str(value);
        return;
    }
    if type_oid == BOOL {
        out.push_str(if value == "t" { "true" } else { "false" });
        return;
    }
    if JSON_TYPES.contains(&type_oid) && serde_json::from_str::<serde_json::Value>(value).is_ok() {
        // Re-escaped so that DEL, C1 and bidi controls inside strings are visible too.
        if value.chars().any(needs_escape) {
            if let Ok(parsed) = serde_json::from_str::<serde_json::Value>(value) {
                let text = parsed.to_string();
                let mut escaped = String::with_capacity(text.len());
                for c in text.chars() {
                    if needs_escape(c) && !c.is_ascii_control() {
                        escaped.push_str(&format!("\\u{:04x}", c as u32));
                    } else if c == '\u{7f}' {
                        escaped.push_str("\\u007f");
                    } else {
                        escaped.push(c);
                    }
                }
                out.push_str(&escaped);
                return;
            }
        }
        out.push_str(value);
        return;
    }
    json_string(value, out);
}

/// A JSON string as serde_json writes it, with DEL, C1 and bidi controls
/// escaped as well (`\u007f`, `\u0085`, `\u202e`): JSON allows them raw, a
/// terminal does not show them.
fn json_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if needs_escape(c) => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `json_string`, written a piece at a time.
fn write_json_string(out: &mut impl Write, text: &str) -> io::Result<()> {
    let mut piece = String::with_capacity(8192);
    out.write_all(b"\"")?;
    let mut rest = text;
    while !rest.is_empty() {
        let mut at = rest.len().min(4096);
        while !rest.is_char_boundary(at) {
            at -= 1;
        }
        let (head, tail) = rest.split_at(at);
        piece.clear();
        json_string(head, &mut piece);
        out.write_all(piece.get(1..piece.len() - 1).unwrap_or("").as_bytes())?;
        rest = tail;
    }
    out.write_all(b"\"")
}

/// Columns a text takes on a terminal, as psql counts them (wide CJK
/// characters take two, combining marks none).
fn display_width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

fn write_csv_field(out: &mut impl Write, value: Option<&str>) -> io::Result<()> {
    match value {
        Some(v) if v.len() >= 64 * 1024 => {
            // Always quoted when large: no scan for what would need it.
            out.write_all(b"\"")?;
            for (i, part) in v.split('"').enumerate() {
                if i > 0 {
                    out.write_all(b"\"\"")?;
                }
                write_chunked(out, part)?;
            }
            out.write_all(b"\"")
        }
        other => out.write_all(csv_field(other).as_bytes()),
    }
}

fn csv_field(value: Option<&str>) -> String {
    match value {
        None => String::new(),
        Some("") => "\"\"".into(),
        // Quoted whenever a control character is inside: the field stays one
        // field, byte for byte (CSV has no escapes).
        Some(v)
            if v.contains([',', '"', '\n', '\r'])
                || v.starts_with(' ')
                || v.ends_with(' ')
                || v.chars().any(needs_escape) =>
        {
            format!("\"{}\"", v.replace('"', "\"\""))
        }
        Some(v) => v.to_string(),
    }
}

/// A markdown table cell: `\\` and `|` escaped, line breaks as `<br>`,
/// control and bidi characters shown as psql shows them (`\x1B`, `\u202E`).
fn markdown_cell(value: Option<&str>) -> String {
    let text = value
        .unwrap_or("")
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace("\r\n", "<br>")
        .replace('\n', "<br>");
    terminal_safe(&text, false).into_owned()
}

impl<W: Write> RowSink for Printer<W> {
    fn row_owned(&mut self, values: Vec<Option<String>>) -> io::Result<()> {
        if self.format != Format::Aligned {
            let refs: Vec<Option<&str>> = values.iter().map(|v| v.as_deref()).collect();
            return self.row(&refs);
        }
        // Large values are kept as they came, not copied into the buffer.
        let mut small: Vec<Option<&str>> = Vec::with_capacity(values.len());
        let mut large = Vec::new();
        for (i, value) in values.iter().enumerate() {
            match value {
                Some(text) if text.len() >= 64 * 1024 => {
                    large.push(i);
                    small.push(None);
                }
                other => small.push(other.as_deref()),
            }
        }
        for &i in &large {
            if let (Some(w), Some(Some(text))) = (self.widths.get_mut(i), values.get(i)) {
                for line in text.split('\n') {
                    *w = (*w).max(shown_width(line));
                }
            }
        }
        self.row(&small)?;
        let first_cell = self.ends.len().saturating_sub(values.len());
        for (i, value) in values.into_iter().enumerate() {
            if let (true, Some(text)) = (large.contains(&i), value) {
                self.owned.push((first_cell + i, text));
            }
        }
        Ok(())
    }

    fn columns(&mut self, columns: &[Column]) -> io::Result<()> {
        self.columns = columns.to_vec();
        self.rows_in_statement = 0;
        if self.statements_printed > 0 {
            match self.format {
                Format::Markdown => writeln!(self.out)?,
                Format::Csv => write!(self.out, "\r\n")?,
                _ => {}
            }
        }
        match self.format {
            Format::Aligned => {
                self.header_printed = false;
                self.widths = columns.iter().map(|c| shown_width(&c.name)).collect();
            }
            Format::Csv => {
                let header: Vec<String> =
                    columns.iter().map(|c| csv_field(Some(&c.name))).collect();
                write!(self.out, "{}\r\n", header.join(","))?;
            }
            Format::Markdown => {
                let header: Vec<String> = columns
                    .iter()
                    .map(|c| markdown_cell(Some(&c.name)))
                    .collect();
                writeln!(self.out, "| {} |", header.join(" | "))?;
                let rule: Vec<&str> = columns
                    .iter()
                    .map(|c| {
                        if RIGHT_ALIGNED_TYPES.contains(&c.type_oid) {
                            "---:"
                        } else {
                            "---"
                        }
                    })
                    .collect();
                writeln!(self.out, "|{}|", rule.join("|"))?;
            }
            _ => {}
        }
        Ok(())
    }

    fn row(&mut self, values: &[Option<&str>]) -> io::Result<()> {
        match self.format {
            Format::Aligned => {
                let size: usize = values.iter().map(|v| v.map_or(0, str::len)).sum();
                let held = self.data.len() + self.ends.len() * 4;
                if held > 0 && held + size + values.len() * 4 > ALIGNED_CHUNK_BYTES {
                    self.print_aligned()?;
                }
                for (i, value) in values.iter().enumerate() {
                    let text = value.unwrap_or("");
                    if let Some(w) = self.widths.get_mut(i) {
                        for line in text.split('\n') {
                            *w = (*w).max(shown_width(line));
                        }
                    }
                    self.data.push_str(text);
                    let end = u32::try_from(self.data.len()).map_err(|_| {
                        io::Error::other("a value too large for an aligned table: use --format csv")
                    })?;
                    self.ends.push(end);
                }
            }
            Format::Csv => {
                for (i, value) in values.iter().enumerate() {
                    if i > 0 {
                        self.out.write_all(b",")?;
                    }
                    write_csv_field(&mut self.out, *value)?;
                }
                self.out.write_all(b"\r\n")?;
            }
            Format::Json => {
                let sep = if self.rows_in_statement == 0 {
                    "[\n"
                } else {
                    ",\n"
                };
                self.out.write_all(sep.as_bytes())?;
                self.write_json_object(values)?;
            }
            Format::Jsonl => {
                self.write_json_object(values)?;
                self.out.write_all(b"\n")?;
            }
            Format::Markdown => {
                let cells: Vec<String> = values.iter().map(|v| markdown_cell(*v)).collect();
                writeln!(self.out, "| {} |", cells.join(" | "))?;
            }
        }
        self.rows_in_statement += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(
        format: Format,
        columns: &[(&str, u32)],
        rows: &[&[Option<&str>]],
        truncated: Option<Truncation>,
    ) -> String {
        let mut printer = Printer::new(Vec::new(), format);
        let columns: Vec<Column> = columns
            .iter()
            .map(|(n, t)| Column {
                name: n.to_string(),
                type_oid: *t,
            })
            .collect();
        printer.columns(&columns).unwrap();
        for row in rows {
            printer.row(row).unwrap();
        }
        let result = StatementResult {
            tag: format!("SELECT {}", rows.len()),
            rows: rows.len() as u64,
            has_rows: true,
            truncated,
            cut: None,
            notices: vec![],
        };
        printer.finish_statement(&result).unwrap();
        String::from_utf8(printer.into_inner()).unwrap()
    }

    const COLS: &[(&str, u32)] = &[("id", 23), ("name", 25)];

    #[test]
    fn aligned_looks_like_psql() {
        let out = render(
            Format::Aligned,
            COLS,
            &[&[Some("1"), Some("alice")], &[Some("22"), None]],
            None,
        );
        assert_eq!(
            out,
            " id | name  \n----+-------\n  1 | alice\n 22 | \n(2 rows)\n\n"
        );
        let one = render(Format::Aligned, COLS, &[&[Some("1"), Some("a\nbc")]], None);
        assert_eq!(
            one,
            " id | name \n----+------\n  1 | a   +\n    | bc\n(1 row)\n\n"
        );
    }

    #[test]
    fn csv_is_rfc_4180_with_null_distinct_from_empty() {
        let out = render(
            Format::Csv,
            COLS,
            &[
                &[Some("1"), Some("a,b")],
                &[Some("2"), Some("")],
                &[None, Some("say \"hi\"")],
            ],
            None,
        );
        assert_eq!(
            out,
            "id,name\r\n1,\"a,b\"\r\n2,\"\"\r\n,\"say \"\"hi\"\"\"\r\n"
        );
    }

    #[test]
    fn json_types_numbers_booleans_and_json() {
        let cols = &[("n", 1700), ("b", 16), ("j", 3802), ("t", 25), ("f", 701)];
        let out = render(
            Format::Json,
            cols,
            &[&[
                Some("1.50"),
                Some("t"),
                Some("{\"a\": 1}"),
                None,
                Some("NaN"),
            ]],
            None,
        );
        assert_eq!(
            out,
            "[\n{\"n\":1.50,\"b\":true,\"j\":{\"a\": 1},\"t\":null,\"f\":\"NaN\"}\n]\n"
        );
        let empty = render(Format::Json, COLS, &[], None);
        assert_eq!(empty, "[]\n");
    }

    #[test]
    fn jsonl_is_one_object_a_line() {
        let out = render(
            Format::Jsonl,
            COLS,
            &[&[Some("1"), Some("a")], &[Some("2"), Some("b")]],
            None,
        );
        assert_eq!(
            out,
            "{\"id\":1,\"name\":\"a\"}\n{\"id\":2,\"name\":\"b\"}\n"
        );
    }

    #[test]
    fn markdown_escapes_pipes_and_newlines() {
        let out = render(
            Format::Markdown,
            COLS,
            &[&[Some("1"), Some("a|b\nc")]],
            None,
        );
        assert_eq!(
            out,
            "| id | name |\n|---:|---|\n| 1 | a\\|b<br>c |\n\n_1 row_\n"
        );
    }

    #[test]
    fn truncation_shows_in_a_footer_or_a_note() {
        let aligned = render(
            Format::Aligned,
            COLS,
            &[&[Some("1"), Some("a")]],
            Some(Truncation::MaxRows(1)),
        );
        assert!(aligned.ends_with("(1 row; truncated at 1 rows: more rows exist (raise --max-rows or narrow the query))\n\n"), "{aligned}");
        let mut printer = Printer::new(Vec::new(), Format::Csv);
        let note = printer
            .finish_statement(&StatementResult {
                has_rows: true,
                truncated: Some(Truncation::MaxRows(5)),
                ..Default::default()
            })
            .unwrap();
        assert!(note.unwrap().contains("truncated at 5 rows"));
    }

    #[test]
    fn control_characters_never_reach_the_terminal_raw() {
        let hostile = "a\u{1b}]0;x\u{7}\rb\u{7f}\u{202E}c";
        let cols: &[(&str, u32)] = &[("n\u{1b}[2J", 25)];
        let aligned = render(Format::Aligned, cols, &[&[Some(hostile)]], None);
        assert_eq!(
            aligned,
            "          n\\x1B[2J           \n-----------------------------\n a\\x1B]0;x\\x07\\rb\\x7F\\u202Ec\n(1 row)\n\n"
        );
        let markdown = render(Format::Markdown, cols, &[&[Some(hostile)]], None);
        assert!(
            markdown.contains("| a\\\\x1B]0;x\\x07\\rb\\x7F\\u202Ec |")
                || markdown.contains("| a\\x1B]0;x\\x07\\rb\\x7F\\u202Ec |"),
            "{markdown}"
        );
        let json = render(Format::Json, cols, &[&[Some(hostile)]], None);
        assert_eq!(
            json,
            "[\n{\"n\\u001b[2J\":\"a\\u001b]0;x\\u0007\\rb\\u007f\\u202ec\"}\n]\n"
        );
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed[0]["n\u{1b}[2J"], hostile);
        let csv = render(Format::Csv, cols, &[&[Some("x\u{1b}y")]], None);
        assert_eq!(csv, "\"n\u{1b}[2J\"\r\n\"x\u{1b}y\"\r\n");
        for out in [&aligned, &markdown, &json] {
            assert!(
                !out.contains(['\u{1b}', '\u{7}', '\r', '\u{7f}', '\u{202E}']),
                "{out:?}"
            );
        }
    }

    #[test]
    fn a_cut_value_is_said_in_the_footer() {
        let mut printer = Printer::new(Vec::new(), Format::Aligned);
        printer
            .columns(&[Column {
                name: "v".into(),
                type_oid: 25,
            }])
            .unwrap();
        printer.row_owned(vec![Some("x".repeat(70_000))]).unwrap();
        let result = StatementResult {
            rows: 1,
            has_rows: true,
            truncated: Some(Truncation::MaxBytes(70_024)),
            cut: Some(crate::pg::Cut {
                column: 0,
                kept: 70_000,
                total: 500_000_000,
            }),
            ..Default::default()
        };
        printer.finish_statement(&result).unwrap();
        let out = String::from_utf8(printer.into_inner()).unwrap();
        assert!(out.contains(&format!(" {}\n", "x".repeat(70_000))));
        assert!(out.ends_with("(1 row; truncated at the result budget of 70024 bytes (security.max_result_bytes; every value, NULL and row counts): narrow the query or select fewer columns; the value of column \"v\" in the last row was cut after 70000 of its 500000000 bytes)\n\n"), "{}", &out[out.len() - 400..]);
    }

    #[test]
    fn formats_parse_by_name() {
        assert_eq!("csv".parse(), Ok(Format::Csv));
        assert!("xml".parse::<Format>().is_err());
    }
}
