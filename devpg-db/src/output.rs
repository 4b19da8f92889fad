//! Result formats. Values arrive as the server's text output, so they read as
//! psql prints them; each format says when a result was cut short in a way it
//! can carry (a footer line for aligned and markdown; stderr for csv, json,
//! jsonl, whose stdout stays machine-readable).

use crate::pg::{Column, RowSink, StatementResult, Truncation};
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
/// Rows an aligned table holds before printing (psql buffers the whole result too).
const ALIGNED_BUFFER_LIMIT: usize = 1_000_000;

pub struct Printer<W: Write> {
    out: W,
    format: Format,
    columns: Vec<Column>,
    buffered: Vec<Vec<Option<String>>>,
    rows_in_statement: u64,
    statements_printed: usize,
}

impl<W: Write> Printer<W> {
    pub fn new(out: W, format: Format) -> Self {
        Printer {
            out,
            format,
            columns: Vec::new(),
            buffered: Vec::new(),
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
            Truncation::MaxBytes(n) => format!(
                "truncated at {n} bytes of values (narrow the query or select fewer columns)"
            ),
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
                        Some(t) => writeln!(self.out, "\n_{n} rows; {t}_")?,
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
    /// continues on the next line ends in `+` instead of a space.
    fn print_aligned(&mut self) -> io::Result<()> {
        let rows = std::mem::take(&mut self.buffered);
        let cells: Vec<Vec<Vec<&str>>> = rows
            .iter()
            .map(|row| {
                row.iter()
                    .map(|v| v.as_deref().unwrap_or("").split('\n').collect())
                    .collect()
            })
            .collect();
        let mut widths: Vec<usize> = self
            .columns
            .iter()
            .map(|c| display_width(&c.name))
            .collect();
        for row in &cells {
            for (i, lines) in row.iter().enumerate() {
                for line in lines {
                    if let Some(w) = widths.get_mut(i) {
                        *w = (*w).max(display_width(line));
                    }
                }
            }
        }
        if self.columns.is_empty() {
            return writeln!(self.out, "--");
        }
        let header: Vec<String> = self
            .columns
            .iter()
            .zip(&widths)
            .map(|(column, w)| {
                let pad = w.saturating_sub(display_width(&column.name));
                format!(
                    " {}{}{} ",
                    " ".repeat(pad / 2),
                    column.name,
                    " ".repeat(pad - pad / 2)
                )
            })
            .collect();
        writeln!(self.out, "{}", header.join("|"))?;
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(w + 2)).collect();
        writeln!(self.out, "{}", rule.join("+"))?;
        let last = self.columns.len() - 1;
        let mut line = String::new();
        for row in &cells {
            let height = row.iter().map(Vec::len).max().unwrap_or(1);
            for line_index in 0..height {
                line.clear();
                for (i, lines) in row.iter().enumerate() {
                    let exhausted = line_index >= lines.len();
                    let text = lines.get(line_index).copied().unwrap_or("");
                    let more = line_index + 1 < lines.len();
                    let pad = widths[i].saturating_sub(display_width(text));
                    let right = RIGHT_ALIGNED_TYPES.contains(&self.columns[i].type_oid);
                    if i > 0 {
                        line.push('|');
                    }
                    line.push(' ');
                    if exhausted && i == last {
                        // psql leaves a finished last cell empty.
                    } else if right {
                        line.push_str(&" ".repeat(pad));
                        line.push_str(text);
                    } else {
                        line.push_str(text);
                        if i != last || more {
                            line.push_str(&" ".repeat(pad));
                        }
                    }
                    if more {
                        line.push('+');
                    } else if i != last {
                        line.push(' ');
                    }
                }
                writeln!(self.out, "{line}")?;
            }
        }
        Ok(())
    }

    fn json_object(&self, values: &[Option<&str>]) -> String {
        let mut object = String::from("{");
        for (i, (column, value)) in self.columns.iter().zip(values).enumerate() {
            if i > 0 {
                object.push(',');
            }
            object.push_str(&serde_json::Value::String(column.name.clone()).to_string());
            object.push(':');
            object.push_str(&json_value(column.type_oid, *value));
        }
        object.push('}');
        object
    }
}

fn json_value(type_oid: u32, value: Option<&str>) -> String {
    let Some(value) = value else {
        return "null".into();
    };
    let is_number = NUMERIC_TYPES.contains(&type_oid)
        && serde_json::from_str::<serde_json::Number>(value).is_ok();
    if is_number {
        return value.to_string();
    }
    if type_oid == BOOL {
        return if value == "t" {
            "true".into()
        } else {
            "false".into()
        };
    }
    if JSON_TYPES.contains(&type_oid) && serde_json::from_str::<serde_json::Value>(value).is_ok() {
        return value.to_string();
    }
    serde_json::Value::String(value.to_string()).to_string()
}

/// Columns a text takes on a terminal, as psql counts them (wide CJK
/// characters take two, combining marks none).
fn display_width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

fn csv_field(value: Option<&str>) -> String {
    match value {
        None => String::new(),
        Some("") => "\"\"".into(),
        Some(v) if v.contains([',', '"', '\n', '\r']) || v.starts_with(' ') || v.ends_with(' ') => {
            format!("\"{}\"", v.replace('"', "\"\""))
        }
        Some(v) => v.to_string(),
    }
}

fn markdown_cell(value: Option<&str>) -> String {
    value
        .unwrap_or("")
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace("\r\n", "<br>")
        .replace('\n', "<br>")
}

impl<W: Write> RowSink for Printer<W> {
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
                if self.buffered.len() >= ALIGNED_BUFFER_LIMIT {
                    return Err(io::Error::other(
                        "too many rows for an aligned table: use --format csv",
                    ));
                }
                self.buffered
                    .push(values.iter().map(|v| v.map(String::from)).collect());
            }
            Format::Csv => {
                let fields: Vec<String> = values.iter().map(|v| csv_field(*v)).collect();
                write!(self.out, "{}\r\n", fields.join(","))?;
            }
            Format::Json => {
                let sep = if self.rows_in_statement == 0 {
                    "[\n"
                } else {
                    ",\n"
                };
                write!(self.out, "{sep}{}", self.json_object(values))?;
            }
            Format::Jsonl => writeln!(self.out, "{}", self.json_object(values))?,
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
    fn formats_parse_by_name() {
        assert_eq!("csv".parse(), Ok(Format::Csv));
        assert!("xml".parse::<Format>().is_err());
    }
}
