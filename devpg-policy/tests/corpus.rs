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
