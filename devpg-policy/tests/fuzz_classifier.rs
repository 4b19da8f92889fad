#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]
//! Property tests over mutated corpus cases. A quick deterministic run is part
//! of every `cargo test`; the long run (`DEV_POSTGRES_FUZZ_SECONDS`, default
//! 120) is `#[ignore]`d and run by scripts/test.sh and by hand.
use devpg_policy::sql::{classify, Rule, Verdict};
use devpg_policy::Mode;
use devpg_testing::corpus::sql_corpus;
use devpg_testing::fuzz::Rng;
use std::time::{Duration, Instant};

/// Pieces that stress quoting, comments, nesting and the function tables.
const DICTIONARY: &[&str] = &[
    "'",
    "\"",
    "$$",
    "$a$",
    "E'\\'",
    "U&\"",
    "\\0065",
    ";",
    "--",
    "/*",
    "*/",
    "\\",
    "\n",
    "(",
    ")",
    " SELECT ",
    " DELETE FROM t ",
    " WHERE ",
    " INTO x ",
    " FOR UPDATE ",
    " WITH d AS (",
    " DO ",
    " EXPLAIN ANALYZE ",
    " COMMIT ",
    " set_config('a','b',false) ",
    " nextval('s') ",
    "pg_sleep",
    " DROP TABLE t ",
    " CASCADE ",
    " TRUNCATE ",
    "\\gexec",
    "::",
    "[1]",
    " LATERAL ",
    "é",
    "\u{0}",
    " SHOW ALL ",
    " RETURNING * ",
    " UNION SELECT ",
    ".",
    ",",
    " $1 ",
    " BEGIN ",
    " END ",
];

fn mutate(rng: &mut Rng, seeds: &[String]) -> String {
    let mut chars: Vec<char> = seeds[rng.below(seeds.len())].chars().collect();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(chars.len() + 1);
        match rng.below(5) {
            0 => chars
                .splice(at..at, DICTIONARY[rng.below(DICTIONARY.len())].chars())
                .for_each(drop),
            1 if !chars.is_empty() => {
                let end = (at + 1 + rng.below(8)).min(chars.len());
                chars.drain(at.min(end)..end);
            }
            2 => {
                let other: Vec<char> = seeds[rng.below(seeds.len())].chars().collect();
                let from = rng.below(other.len() + 1);
                chars
                    .splice(at..at, other[from..].iter().copied())
                    .for_each(drop);
            }
            3 if !chars.is_empty() => {
                let i = at.min(chars.len() - 1);
                chars[i] = char::from_u32(rng.below(0x80) as u32).unwrap_or(' ');
            }
            _ => chars.splice(at..at, [';', ' ']).for_each(drop),
        }
    }
    chars.into_iter().collect()
}

/// The invariants every input must keep. Returns what broke.
fn check(sql: &str) -> Result<(), String> {
    let analyses = Mode::ALL.map(|mode| classify(sql, mode));
    let [ro, dml, rw] = &analyses;
    for analysis in &analyses {
        for statement in &analysis.statements {
            if statement.start > statement.end || sql.get(statement.start..statement.end).is_none()
            {
                return Err(format!(
                    "bad statement range {}..{}",
                    statement.start, statement.end
                ));
            }
            for finding in &statement.findings {
                if finding.offset > sql.len() {
                    return Err(format!("finding offset {} past the end", finding.offset));
                }
                if finding.reason.contains("internal error") {
                    return Err(format!("internal error: {}", finding.reason));
                }
            }
        }
    }
    if !(ro.verdict() >= dml.verdict() && dml.verdict() >= rw.verdict()) {
        return Err(format!(
            "modes not monotone: {:?} {:?} {:?}",
            ro.verdict(),
            dml.verdict(),
            rw.verdict()
        ));
    }
    let unparsed = |a: &devpg_policy::sql::Analysis| {
        a.statements
            .iter()
            .any(|s| s.findings.iter().any(|f| f.rule == Rule::ParseError))
    };
    if unparsed(rw) && !(ro.verdict() == Verdict::Blocked && rw.verdict() == Verdict::Blocked) {
        return Err("unparsable input not blocked in every mode".into());
    }
    if ro.verdict() == Verdict::Allowed {
        for s in &ro.statements {
            if !["select", "values", "show", "explain"].contains(&s.kind) {
                return Err(format!("read-only allowed a {}", s.kind));
            }
        }
    }
    // pg-query sends statements one at a time: each alone must be judged as in the whole.
    if !unparsed(rw) {
        for (mode, analysis) in Mode::ALL.iter().zip(&analyses) {
            for statement in &analysis.statements {
                let alone = classify(statement.text(sql), *mode);
                if alone.verdict() != statement.verdict() {
                    return Err(format!(
                        "{mode}: statement {:?} is {:?} in the whole but {:?} alone",
                        statement.text(sql),
                        statement.verdict(),
                        alone.verdict()
                    ));
                }
            }
        }
    }
    Ok(())
}

fn fuzz(seed: u64, budget: impl Fn(usize) -> bool) -> usize {
    let seeds: Vec<String> = sql_corpus().into_iter().map(|c| c.sql).collect();
    let mut rng = Rng(seed);
    let mut runs = 0;
    while budget(runs) {
        let sql = mutate(&mut rng, &seeds);
        if let Err(problem) = check(&sql) {
            panic!("{problem}\ninput: {sql:?}");
        }
        runs += 1;
    }
    runs
}

#[test]
fn corpus_cases_keep_the_invariants() {
    for case in sql_corpus() {
        if let Err(problem) = check(&case.sql) {
            panic!("{problem}\ninput: {:?}", case.sql);
        }
    }
}

#[test]
fn mutated_inputs_keep_the_invariants() {
    assert_eq!(fuzz(0x5eed, |runs| runs < 1500), 1500);
}

#[test]
#[ignore = "long run: DEV_POSTGRES_FUZZ_SECONDS (default 120); scripts/test.sh runs it briefly"]
fn fuzz_for_a_while() {
    let seconds = std::env::var("DEV_POSTGRES_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(120);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64 | 1);
    println!("fuzz seed {seed}");
    let runs = fuzz(seed, |_| Instant::now() < deadline);
    println!("fuzz: {runs} inputs in {seconds} s");
    assert!(runs > 0);
}
