//! The function tables, kept as sorted data: the side-effect families
//! (`side_effect_functions.txt`), the exceptions to their patterns that only
//! read (`read_only_functions.txt`), and the VOLATILE functions without
//! effects that the catalog check lets through (`effect_free_volatile_functions.txt`).

use crate::text::{glob_match, table_lines};
use std::sync::LazyLock;

const SIDE_EFFECT_TABLE: &str = include_str!("side_effect_functions.txt");
const READ_ONLY_TABLE: &str = include_str!("read_only_functions.txt");
const EFFECT_FREE_VOLATILE_TABLE: &str = include_str!("effect_free_volatile_functions.txt");

/// What a recorded call is: the catalog check resolves each kind its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallKind {
    /// `f(…)`, anywhere in the statement.
    Function,
    /// `x.f` or `(x).f`: a call of `f(x)` unless `f` is a column of `x`.
    FieldNotation,
    /// The function behind an operator (`pg_operator.oprcode`).
    Operator,
    /// The functions behind a cast to this type (`pg_cast`, the type's input function).
    Cast,
    /// A string literal cast to this type: only the type's input function runs.
    Literal,
    /// The implicit and assignment casts PostgreSQL may apply with no cast
    /// in the text (to a function's argument, to an INSERT's column): one
    /// marker per statement that calls anything or writes.
    ImplicitCasts,
}

impl CallKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            CallKind::Function => "function",
            CallKind::FieldNotation => "field",
            CallKind::Operator => "operator",
            CallKind::Cast => "cast",
            CallKind::Literal => "literal",
            CallKind::ImplicitCasts => "implicit",
        }
    }
}

/// A function a statement runs, as written: the catalog decides which one it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FunctionCall {
    pub kind: CallKind,
    /// The schema when the name is qualified.
    pub schema: Option<String>,
    /// The function's, operator's or type's name as the parser decoded it.
    pub name: String,
    /// Arguments given (operands for an operator); None for a cast.
    pub nargs: Option<usize>,
    /// Byte offset in the whole input.
    pub offset: usize,
}

static EFFECT_FREE_VOLATILE: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| table_lines(EFFECT_FREE_VOLATILE_TABLE).collect());

/// Whether `name` is a VOLATILE function without effects (`random`,
/// `clock_timestamp`, …): the catalog check lets it through.
pub fn effect_free_volatile(name: &str) -> bool {
    EFFECT_FREE_VOLATILE.binary_search(&name).is_ok()
}

/// One line of the side-effect table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SideEffect {
    pub pattern: &'static str,
    pub family: &'static str,
    /// Only changes data: allowed on a dml connection.
    pub dml_ok: bool,
}

static SIDE_EFFECTS: LazyLock<Vec<SideEffect>> = LazyLock::new(|| {
    table_lines(SIDE_EFFECT_TABLE)
        .map(|line| {
            let mut words = line.split_whitespace();
            SideEffect {
                pattern: words.next().unwrap_or_default(),
                family: words.next().unwrap_or("side-effect"),
                dml_ok: words.next() == Some("dml-ok"),
            }
        })
        .collect()
});

static READ_ONLY: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| table_lines(READ_ONLY_TABLE).collect());

/// The side-effect rule a call of function `name` with `nargs` arguments falls
/// under, if any. `name` is the function's own name without its schema.
pub fn side_effect(name: &str, nargs: Option<usize>) -> Option<&'static SideEffect> {
    // ts_rewrite(query, 'SELECT …') runs the SQL in its second argument; the
    // three-argument form only rewrites a tsquery.
    if name == "ts_rewrite" && nargs != Some(3) {
        static TS_REWRITE: SideEffect = SideEffect {
            pattern: "ts_rewrite",
            family: "runs-sql-text",
            dml_ok: false,
        };
        return Some(&TS_REWRITE);
    }
    if READ_ONLY.binary_search(&name).is_ok() || effect_free_volatile(name) {
        return None;
    }
    SIDE_EFFECTS
        .iter()
        .find(|rule| glob_match(rule.pattern, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_sorted_unique(table: &str, key: impl Fn(&str) -> &str) {
        let keys: Vec<&str> = table_lines(table).map(key).collect();
        for pair in keys.windows(2) {
            assert!(pair[0] < pair[1], "not sorted or not unique: {pair:?}");
        }
        assert!(!keys.is_empty());
    }

    #[test]
    fn tables_are_sorted_and_unique() {
        assert_sorted_unique(SIDE_EFFECT_TABLE, |l| {
            l.split_whitespace().next().unwrap_or_default()
        });
        assert_sorted_unique(READ_ONLY_TABLE, |l| l);
        assert_sorted_unique(EFFECT_FREE_VOLATILE_TABLE, |l| l);
    }

    #[test]
    fn every_side_effect_line_is_well_formed() {
        for line in table_lines(SIDE_EFFECT_TABLE) {
            let words: Vec<&str> = line.split_whitespace().collect();
            assert!(
                words.len() == 2 || (words.len() == 3 && words[2] == "dml-ok"),
                "{line}"
            );
        }
    }

    #[test]
    fn families_match_names_in_every_form() {
        let blocked = [
            "set_config",
            "dblink",
            "dblink_exec",
            "dblink_connect",
            "lo_import",
            "lo_export",
            "lo_unlink",
            "lo_from_bytea",
            "lowrite",
            "loread",
            "pg_read_file",
            "pg_read_binary_file",
            "pg_ls_dir",
            "pg_ls_waldir",
            "pg_stat_file",
            "pg_file_write",
            "pg_logdir_ls",
            "pg_terminate_backend",
            "pg_cancel_backend",
            "pg_reload_conf",
            "pg_rotate_logfile",
            "pg_advisory_lock",
            "pg_advisory_xact_lock_shared",
            "pg_try_advisory_lock",
            "pg_advisory_unlock_all",
            "pg_notify",
            "nextval",
            "setval",
            "pg_sleep",
            "pg_sleep_for",
            "pg_sleep_until",
            "query_to_xml",
            "query_to_xml_and_xmlschema",
            "cursor_to_xml",
            "table_to_xmlschema",
            "schema_to_xml",
            "database_to_xml_and_xmlschema",
            "ts_stat",
            "pg_switch_wal",
            "pg_wal_replay_pause",
            "pg_wal_replay_resume",
            "pg_create_restore_point",
            "pg_promote",
            "pg_backup_start",
            "pg_backup_stop",
            "pg_start_backup",
            "pg_stop_backup",
            "pg_create_logical_replication_slot",
            "pg_drop_replication_slot",
            "pg_replication_slot_advance",
            "pg_copy_physical_replication_slot",
            "pg_logical_slot_get_changes",
            "pg_replication_origin_create",
            "pg_logical_emit_message",
            "pg_import_system_collations",
            "gin_clean_pending_list",
            "brin_summarize_new_values",
            "brin_summarize_range",
            "brin_desummarize_range",
            "pg_stat_reset",
            "pg_stat_reset_shared",
            "pg_stat_statements_reset",
            "txid_current",
            "pg_current_xact_id",
            "pg_export_snapshot",
            "pg_log_backend_memory_contexts",
        ];
        for name in blocked {
            assert!(
                side_effect(name, Some(1)).is_some(),
                "{name} should be a side effect"
            );
        }
        let allowed = [
            "lo_get",
            "lo_get_fragment",
            "lower",
            "now",
            "count",
            "pg_wal_lsn_diff",
            "pg_current_wal_lsn",
            "currval",
            "current_setting",
            "pg_size_pretty",
            "xmlelement",
            "to_char",
            "pg_stat_get_numscans",
            "txid_current_if_assigned",
        ];
        for name in allowed {
            assert!(
                side_effect(name, Some(1)).is_none(),
                "{name} should be allowed"
            );
        }
    }

    #[test]
    fn no_effect_free_function_matches_a_side_effect_pattern() {
        // An exception to a pattern is listed in read_only_functions.txt.
        for name in EFFECT_FREE_VOLATILE
            .iter()
            .filter(|n| !READ_ONLY.contains(n))
        {
            let rule = SIDE_EFFECTS.iter().find(|r| glob_match(r.pattern, name));
            assert!(rule.is_none(), "{name} is on both lists: {rule:?}");
        }
    }

    #[test]
    fn new_families_block_their_functions() {
        for (name, family) in [
            ("crosstab", "runs-sql-text"),
            ("crosstab3", "runs-sql-text"),
            ("connectby", "runs-sql-text"),
            ("xpath_table", "runs-sql-text"),
            ("query_to_xml", "runs-sql-text"),
            ("ts_stat", "runs-sql-text"),
            ("heap_force_kill", "data-surgery"),
            ("heap_force_freeze", "data-surgery"),
            ("autoprewarm_dump_now", "server-files"),
            ("pg_prewarm", "server-cache"),
            ("pg_read_file_old", "server-files"),
            ("pg_rotate_logfile_old", "server-control"),
        ] {
            assert_eq!(
                side_effect(name, Some(1)).map(|r| r.family),
                Some(family),
                "{name}"
            );
        }
        assert!(effect_free_volatile("random"));
        assert!(effect_free_volatile("clock_timestamp"));
        assert!(!effect_free_volatile("nextval"));
        assert!(side_effect("pg_get_replication_slots", Some(0)).is_none());
    }

    #[test]
    fn ts_rewrite_runs_sql_only_in_its_two_argument_form() {
        assert!(side_effect("ts_rewrite", Some(2)).is_some());
        assert!(side_effect("ts_rewrite", Some(3)).is_none());
    }

    #[test]
    fn only_data_changing_functions_are_dml_ok() {
        let dml_ok: Vec<&str> = SIDE_EFFECTS
            .iter()
            .filter(|r| r.dml_ok)
            .map(|r| r.pattern)
            .collect();
        assert_eq!(
            dml_ok,
            ["nextval", "pg_current_xact_id", "setval", "txid_current"]
        );
    }
}
