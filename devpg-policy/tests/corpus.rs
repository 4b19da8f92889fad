#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The SQL corpus: every case, in every mode, gets the verdict its folder names.
use devpg_policy::sql::classify;
use devpg_policy::Mode;
use devpg_testing::corpus::sql_corpus as corpus;

#[test]
fn every_case_gets_the_verdict_its_folder_names() {
    let cases = corpus();
    let mut failures = Vec::new();
    for case in &cases {
        for mode in Mode::ALL {
            let analysis = classify(&case.sql, mode);
            let got = analysis.verdict().as_str();
            let want = case.expected_for(mode);
            if got != want {
                let rule = analysis.primary().map_or("-", |f| f.rule.id());
                failures.push(format!(
                    "{}:{}: {mode}: expected {want}, got {got} [{rule}]: {}",
                    case.file
                        .file_name()
                        .map(|f| f.to_string_lossy())
                        .unwrap_or_default(),
                    case.line,
                    case.sql.replace('\n', " ")
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_corpus_is_large_enough() {
    let cases = corpus();
    assert!(cases.len() >= 400, "only {} cases", cases.len());
    let tricky = cases
        .iter()
        .filter(|c| c.file.file_name().is_some_and(|f| f == "tricky-reads.sql"))
        .count();
    assert!(tricky >= 150, "only {tricky} tricky reads");
}

#[test]
fn stricter_modes_are_never_more_permissive() {
    for case in corpus() {
        let ro = classify(&case.sql, Mode::ReadOnly).verdict();
        let dml = classify(&case.sql, Mode::Dml).verdict();
        let rw = classify(&case.sql, Mode::ReadWrite).verdict();
        assert!(
            ro >= dml && dml >= rw,
            "{}: {ro:?} {dml:?} {rw:?}",
            case.sql
        );
    }
}

/// Every VOLATILE function PostgreSQL 15 and Debian's contrib extensions ship
/// (tests/corpus/volatile/pg15-contrib.txt, generated from a live cluster) is
/// either a side effect with its family or on the effect-free allow-list: a
/// new PostgreSQL or extension version that brings another fails here.
#[test]
fn every_volatile_function_postgresql_ships_is_classified() {
    use devpg_policy::sql::{effect_free_volatile, side_effect};
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/corpus/volatile/pg15-contrib.txt");
    let list = std::fs::read_to_string(&path).expect("the volatile function list");
    let names: Vec<&str> = list
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(names.len() > 300, "only {} names", names.len());
    let unclassified: Vec<&str> = names
        .iter()
        .copied()
        .filter(|name| side_effect(name, None).is_none() && !effect_free_volatile(name))
        .collect();
    assert!(
        unclassified.is_empty(),
        "volatile functions on neither list (add each to side_effect_functions.txt with its family, or to effect_free_volatile_functions.txt): {unclassified:?}"
    );
}
