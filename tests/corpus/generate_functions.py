#!/usr/bin/env python3
"""Writes the side-effect function corpus: every family, called in every
place a call can stand and spelled every way PostgreSQL resolves to the same
function. Run from this folder; the output files are committed.

The expected verdicts come from the folder each file is written to, not from
this script's logic: the script only varies spelling and position.
"""

# name, arguments. Read-only and dml connections block all of these but the
# dml-ok ones (sequence and transaction-id functions).
BLOCKED = [
    ("set_config", "'default_transaction_read_only', 'off', false"),
    ("dblink", "'dbname=app', 'SELECT 1'"),
    ("dblink_exec", "'dbname=app', 'DROP TABLE t'"),
    ("dblink_connect", "'c', 'dbname=app'"),
    ("dblink_send_query", "'c', 'DELETE FROM t'"),
    ("lo_import", "'/etc/passwd'"),
    ("lo_export", "16385, '/tmp/x'"),
    ("lo_unlink", "16385"),
    ("lo_create", "0"),
    ("lo_from_bytea", "0, 'x'"),
    ("lo_put", "16385, 0, 'x'"),
    ("lowrite", "0, 'x'"),
    ("loread", "0, 10"),
    ("pg_read_file", "'/etc/passwd'"),
    ("pg_read_binary_file", "'/etc/passwd'"),
    ("pg_ls_dir", "'.'"),
    ("pg_ls_logdir", ""),
    ("pg_ls_waldir", ""),
    ("pg_stat_file", "'postgresql.conf'"),
    ("pg_file_write", "'x', 'y', false"),
    ("pg_logdir_ls", ""),
    ("pg_terminate_backend", "1234"),
    ("pg_cancel_backend", "1234"),
    ("pg_reload_conf", ""),
    ("pg_rotate_logfile", ""),
    ("pg_advisory_lock", "1"),
    ("pg_advisory_xact_lock", "1"),
    ("pg_try_advisory_lock_shared", "1"),
    ("pg_advisory_unlock_all", ""),
    ("pg_notify", "'ch', 'payload'"),
    ("pg_sleep", "10"),
    ("pg_sleep_for", "'1 hour'"),
    ("pg_sleep_until", "'tomorrow'"),
    ("query_to_xml", "'DELETE FROM t RETURNING *', true, false, ''"),
    ("cursor_to_xml", "'c', 10, true, false, ''"),
    ("table_to_xml", "'users', true, false, ''"),
    ("schema_to_xml", "'public', true, false, ''"),
    ("database_to_xml", "true, false, ''"),
    ("query_to_xmlschema", "'SELECT 1', true, false, ''"),
    ("ts_stat", "'SELECT tsv FROM documents'"),
    ("ts_rewrite", "'a'::tsquery, 'SELECT t, s FROM aliases'"),
    ("pg_switch_wal", ""),
    ("pg_wal_replay_pause", ""),
    ("pg_wal_replay_resume", ""),
    ("pg_create_restore_point", "'x'"),
    ("pg_promote", ""),
    ("pg_backup_start", "'x'"),
    ("pg_backup_stop", ""),
    ("pg_start_backup", "'x'"),
    ("pg_stop_backup", ""),
    ("pg_create_physical_replication_slot", "'slot'"),
    ("pg_create_logical_replication_slot", "'slot', 'test_decoding'"),
    ("pg_drop_replication_slot", "'slot'"),
    ("pg_replication_slot_advance", "'slot', '0/0'"),
    ("pg_logical_slot_get_changes", "'slot', NULL, NULL"),
    ("pg_replication_origin_create", "'o'"),
    ("pg_replication_origin_drop", "'o'"),
    ("pg_logical_emit_message", "true, 'p', 'x'"),
    ("pg_import_system_collations", "'pg_catalog'"),
    ("gin_clean_pending_list", "'documents_tsv_idx'"),
    ("brin_summarize_new_values", "'i'"),
    ("brin_summarize_range", "'i', 0"),
    ("brin_desummarize_range", "'i', 0"),
    ("pg_stat_reset", ""),
    ("pg_stat_reset_shared", "'bgwriter'"),
    ("pg_stat_reset_single_table_counters", "'users'::regclass"),
    ("pg_stat_statements_reset", ""),
    ("pg_export_snapshot", ""),
    ("pg_log_backend_memory_contexts", "1234"),
    # Run SQL given as text (tablefunc, xml2), and contrib functions with effects.
    ("crosstab", "'SELECT dblink_exec(''dbname=app'', ''DROP TABLE t''), 1, 1'"),
    ("crosstab2", "'SELECT 1, 2, 3'"),
    ("connectby", "'t', 'id', 'parent', '1', 0"),
    ("xpath_table", "'id', 'doc', 'docs', '/a', 'true'"),
    ("heap_force_kill", "'t'::regclass, ARRAY['(0,1)']::tid[]"),
    ("heap_force_freeze", "'t'::regclass, ARRAY['(0,1)']::tid[]"),
    ("autoprewarm_dump_now", ""),
    ("autoprewarm_start_worker", ""),
    ("pg_prewarm", "'t'"),
    ("pg_read_file_old", "'postgresql.conf', 0, 100"),
    ("pg_rotate_logfile_old", ""),
]
DML_OK = [
    ("nextval", "'s'"),
    ("setval", "'s', 1"),
    ("txid_current", ""),
    ("pg_current_xact_id", ""),
]

# Ways to spell a call that PostgreSQL resolves to the same function.
def spellings(name, args):
    yield f"{name}({args})"
    yield f"pg_catalog.{name}({args})"
    yield f"public.{name}({args})"
    yield f'"{name}"({args})'
    yield f"{name.upper()}({args})"
    yield f"{name} /* c */ ({args})"
    escaped = "".join(f"\\{ord(c):04x}" if i == 1 else c for i, c in enumerate(name))
    yield f'U&"{escaped}"({args})'
    yield f'pg_catalog."{name}"({args})'

# Places a call can stand.
PLACES = [
    "SELECT {call}",
    "SELECT * FROM {call} AS f",
    "SELECT id FROM users WHERE {call} IS NOT NULL",
    "WITH c AS (SELECT {call} AS v) SELECT * FROM c",
    "SELECT * FROM (SELECT {call} AS v) s",
    "SELECT * FROM (SELECT * FROM (SELECT {call} AS v) a) b",
    "SELECT id FROM users WHERE id IN (SELECT 1 WHERE {call} IS NULL)",
    "SELECT CASE WHEN id > 0 THEN {call} END FROM users",
    "SELECT coalesce({call}, NULL)",
    "SELECT id FROM users ORDER BY {call}",
    "SELECT u.id FROM users u JOIN orders o ON {call} IS NULL",
    "SELECT team FROM users GROUP BY team HAVING {call} IS NULL",
    "VALUES ({call})",
    "SELECT * FROM users, LATERAL (SELECT {call}) l",
    "SELECT EXISTS (SELECT {call})",
    "SELECT array_agg(x) FROM (SELECT {call} AS x) s",
    "/* leading */ SELECT {call}",
    "select {call};",
    "SELECT 1; SELECT {call}",
    "WITH a AS (WITH b AS (SELECT {call} AS v) SELECT v FROM b) SELECT v FROM a",
]


def cases(functions):
    out = []
    i = 0
    for name, args in functions:
        forms = list(spellings(name, args))
        for k in range(4):
            call = forms[(i + k) % len(forms)]
            place = PLACES[(i * 3 + k * 5) % len(PLACES)]
            out.append(place.format(call=call))
        i += 1
    # Functional notation: x.f and (x).f are f(x).
    for name, _ in functions[:6]:
        out.append(f"SELECT (amount).{name} FROM users")
        out.append(f"SELECT (u.amount).{name} FROM users u")
    return sorted(set(out))


def write(path, header, lines):
    with open(path, "w", encoding="utf-8") as f:
        f.write(header)
        for line in lines:
            f.write(line + "\n")


HEADER = "# Generated by tests/corpus/generate_functions.py: side-effect functions in every\n# place and spelling. Regenerate with `cargo run -p xtask -- gen`.\n"
write("sql/read-only=blocked/dml=blocked/read-write=allowed/side-effect-functions.sql", HEADER, cases(BLOCKED))
write("sql/read-only=blocked/dml=allowed/read-write=allowed/data-only-functions.sql", HEADER, cases(DML_OK))
