//! pg-schema's catalog queries and their rendering.
//!
//! Every action is one catalog query that builds its whole answer as one
//! JSON document on the server (one round trip), with names and patterns
//! bound as parameters — never spliced into the SQL. `$1` is the schema
//! scope (a text array, or NULL for every non-system schema), `$2` the
//! action's argument (a table name for `to_regclass`, or a search pattern).

use devpg_policy::text::{quote_ident, terminal_safe};
use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// Keys whose values are one identifier: quoted as PostgreSQL needs in text
/// and markdown (JSON keeps the raw names).
const IDENTIFIER_KEYS: &[&str] = &[
    "column",
    "constraint",
    "enum",
    "function",
    "index",
    "name",
    "policy",
    "schema",
    "sequence",
    "table",
    "trigger",
    "view",
];
/// Keys whose values are lists of identifiers.
const IDENTIFIER_LIST_KEYS: &[&str] = &["columns", "primary_key", "referenced_columns"];

/// `schema.name`, each part quoted as PostgreSQL needs: usable as typed.
pub fn qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", quote_ident(schema), quote_ident(name))
}

/// Free text (a comment, a definition) on one line: newlines as `\n`,
/// control and bidi characters as psql shows them, so it cannot forge lines.
pub fn one_line(text: &str) -> String {
    terminal_safe(&text.replace('\n', "\\n"), false).into_owned()
}

/// What pg-schema can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Connections,
    Schemas,
    Tables,
    Views,
    Describe,
    Indexes,
    ForeignKeys,
    Functions,
    Enums,
    Sequences,
    Extensions,
    Sizes,
    ConnectionInfo,
    Search,
    Overview,
}

/// Names, the bash predecessor's names, and one line of help each. Sorted by name.
pub const ACTIONS: &[(&str, Action, &str)] = &[
    ("connection-info", Action::ConnectionInfo, "server version, database, user, whether the role can write, superuser, in recovery"),
    ("connections", Action::Connections, "the configured connections: name, mode, description, host/database (no database access)"),
    ("describe", Action::Describe, "columns, types, defaults, keys, constraints, foreign keys both ways, indexes, triggers, RLS policies, comments"),
    ("enums", Action::Enums, "enum types and their values"),
    ("extensions", Action::Extensions, "installed extensions"),
    ("foreign-keys", Action::ForeignKeys, "foreign keys (of one table, both ways, with --table or an argument)"),
    ("functions", Action::Functions, "functions and procedures: signature, result, language, volatility"),
    ("indexes", Action::Indexes, "indexes with definitions and sizes (of one table with --table or an argument)"),
    ("overview", Action::Overview, "the whole schema in one compact text: tables, columns, types, keys, relations (--budget CHARS)"),
    ("schemas", Action::Schemas, "schemas with table and view counts"),
    ("search", Action::Search, "tables, columns and functions whose names contain PATTERN"),
    ("sequences", Action::Sequences, "sequences, their types and owning columns"),
    ("sizes", Action::Sizes, "database size and per-table sizes (table, indexes, toast), largest first"),
    ("tables", Action::Tables, "tables with row estimates and sizes"),
    ("views", Action::Views, "views and materialized views"),
];

/// The predecessor's `--action` names.
pub const LEGACY_ACTIONS: &[(&str, &str)] = &[
    ("list-connections", "connections"),
    ("list-schemas", "schemas"),
    ("list-tables", "tables"),
    ("list-views", "views"),
    ("table-sizes", "sizes"),
];

impl Action {
    pub fn parse(name: &str) -> Option<Action> {
        let name = LEGACY_ACTIONS
            .iter()
            .find(|(old, _)| *old == name)
            .map_or(name, |(_, new)| new);
        ACTIONS
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, a, _)| *a)
    }

    /// The argument as help shows it: `TABLE`, `[TABLE]`, `PATTERN` or nothing.
    pub fn argument(self) -> &'static str {
        match self {
            Action::Describe => "TABLE",
            Action::Indexes | Action::ForeignKeys => "[TABLE]",
            Action::Search => "PATTERN",
            _ => "",
        }
    }

    /// Whether the action needs an argument (`describe TABLE`, `search PATTERN`).
    pub fn needs_argument(self) -> bool {
        matches!(self, Action::Describe | Action::Search)
    }

    /// Whether the argument names a table (resolved with `to_regclass`).
    pub fn takes_table(self) -> bool {
        matches!(
            self,
            Action::Describe | Action::Indexes | Action::ForeignKeys
        )
    }
}

/// `$1`'s filter on a namespace alias `n`.
const SCOPE: &str = "(CASE WHEN $1::text[] IS NULL THEN n.nspname <> 'information_schema' AND n.nspname !~ '^pg_' ELSE n.nspname = ANY($1::text[]) END)";

/// Objects an extension owns are the extension's, not the application's.
const NOT_EXTENSION: &str =
    "NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.objid = {oid} AND dep.deptype = 'e')";

/// The catalog query of an action (None for `connections`, which reads no database).
pub fn query(action: Action) -> Option<String> {
    let sql = match action {
        Action::Connections => return None,
        Action::Schemas => format!(
            "SELECT coalesce(json_agg(x ORDER BY x.schema), '[]') FROM (
               SELECT n.nspname AS schema, pg_get_userbyid(n.nspowner) AS owner,
                 (SELECT count(*) FROM pg_class c WHERE c.relnamespace = n.oid AND c.relkind IN ('r','p') AND NOT c.relispartition) AS tables,
                 (SELECT count(*) FROM pg_class c WHERE c.relnamespace = n.oid AND c.relkind IN ('v','m')) AS views,
                 obj_description(n.oid, 'pg_namespace') AS description
               FROM pg_namespace n WHERE {SCOPE}) x"
        ),
        Action::Tables => format!(
            "SELECT coalesce(json_agg(x ORDER BY x.schema, x.table), '[]') FROM (
               SELECT n.nspname AS schema, c.relname AS table,
                 CASE WHEN c.relkind = 'p' THEN 'partitioned' WHEN c.relispartition THEN 'partition' ELSE 'table' END AS kind,
                 (SELECT pn.nspname || '.' || p.relname FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
                    JOIN pg_namespace pn ON pn.oid = p.relnamespace WHERE i.inhrelid = c.oid AND c.relispartition LIMIT 1) AS partition_of,
                 CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::bigint END AS rows_estimate,
                 pg_total_relation_size(c.oid) AS total_bytes, pg_size_pretty(pg_total_relation_size(c.oid)) AS total_size,
                 c.relrowsecurity AS rls, obj_description(c.oid, 'pg_class') AS description
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE c.relkind IN ('r','p') AND {SCOPE}) x"
        ),
        Action::Views => format!(
            "SELECT coalesce(json_agg(x ORDER BY x.schema, x.view), '[]') FROM (
               SELECT n.nspname AS schema, c.relname AS view,
                 CASE c.relkind WHEN 'm' THEN 'materialized' ELSE 'view' END AS kind,
                 CASE WHEN c.relkind = 'm' THEN c.relispopulated END AS populated,
                 obj_description(c.oid, 'pg_class') AS description
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE c.relkind IN ('v','m') AND {SCOPE} AND {}) x",
            NOT_EXTENSION.replace("{oid}", "c.oid")
        ),
        Action::Indexes => format!(
            "SELECT coalesce(json_agg(x ORDER BY x.schema, x.table, x.index), '[]') FROM (
               SELECT n.nspname AS schema, t.relname AS table, ic.relname AS index, i.indisprimary AS primary,
                 i.indisunique AS unique, am.amname AS method, pg_get_indexdef(i.indexrelid) AS definition,
                 pg_relation_size(i.indexrelid) AS bytes, pg_size_pretty(pg_relation_size(i.indexrelid)) AS size
               FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
               JOIN pg_namespace n ON n.oid = t.relnamespace JOIN pg_am am ON am.oid = ic.relam
               WHERE {SCOPE} AND ($2::text IS NULL OR i.indrelid = to_regclass($2::text))) x"
        ),
        Action::ForeignKeys => format!(
            "SELECT coalesce(json_agg(x ORDER BY x.schema, x.table, x.constraint), '[]') FROM (
               SELECT n.nspname AS schema, c.relname AS table, con.conname AS constraint,
                 {FK_COLUMNS} AS columns,
                 fn.nspname || '.' || fc.relname AS references, {FK_REFERENCED} AS referenced_columns,
                 {ON_DELETE} AS on_delete, {ON_UPDATE} AS on_update
               FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
               JOIN pg_class fc ON fc.oid = con.confrelid JOIN pg_namespace fn ON fn.oid = fc.relnamespace
               WHERE con.contype = 'f' AND con.conparentid = 0 AND {SCOPE}
                 AND ($2::text IS NULL OR con.conrelid = to_regclass($2::text) OR con.confrelid = to_regclass($2::text))) x"
        ),
        Action::Functions => format!(
            "SELECT coalesce(json_agg(x ORDER BY x.schema, x.function, x.arguments), '[]') FROM (
               SELECT n.nspname AS schema, p.proname AS function, pg_get_function_identity_arguments(p.oid) AS arguments,
                 pg_get_function_result(p.oid) AS returns,
                 CASE p.prokind WHEN 'f' THEN 'function' WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' WHEN 'w' THEN 'window' END AS kind,
                 l.lanname AS language,
                 CASE p.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable' ELSE 'volatile' END AS volatility,
                 p.prosecdef AS security_definer, obj_description(p.oid, 'pg_proc') AS description
               FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
               WHERE {SCOPE} AND {}) x",
            NOT_EXTENSION.replace("{oid}", "p.oid")
        ),
        Action::Enums => format!(
            "SELECT coalesce(json_agg(x ORDER BY x.schema, x.enum), '[]') FROM (
               SELECT n.nspname AS schema, t.typname AS enum, array_agg(e.enumlabel ORDER BY e.enumsortorder) AS values
               FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
               WHERE {SCOPE} GROUP BY n.nspname, t.typname) x"
        ),
        Action::Sequences => format!(
            "SELECT coalesce(json_agg(x ORDER BY x.schema, x.sequence), '[]') FROM (
               SELECT n.nspname AS schema, c.relname AS sequence, format_type(s.seqtypid, NULL) AS type,
                 s.seqstart AS start, s.seqincrement AS increment, s.seqmax AS max, s.seqcycle AS cycle,
                 (SELECT d.refobjid::regclass::text || '.' || a.attname FROM pg_depend d
                    JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i') LIMIT 1) AS owned_by
               FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE {SCOPE}) x"
        ),
        Action::Extensions => "SELECT coalesce(json_agg(x ORDER BY x.extension), '[]') FROM (
               SELECT e.extname AS extension, e.extversion AS version, n.nspname AS schema,
                 obj_description(e.oid, 'pg_extension') AS description
               FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace) x"
            .to_string(),
        Action::Sizes => format!(
            "SELECT json_build_object(
               'database', current_database(),
               'database_bytes', pg_database_size(current_database()),
               'database_size', pg_size_pretty(pg_database_size(current_database())),
               'tables', coalesce((SELECT json_agg(x ORDER BY x.total_bytes DESC, x.schema, x.table) FROM (
                 SELECT n.nspname AS schema, c.relname AS table,
                   pg_total_relation_size(c.oid) AS total_bytes, pg_size_pretty(pg_total_relation_size(c.oid)) AS total,
                   pg_size_pretty(pg_relation_size(c.oid)) AS table_size, pg_size_pretty(pg_indexes_size(c.oid)) AS indexes,
                   pg_size_pretty(pg_total_relation_size(c.oid) - pg_relation_size(c.oid) - pg_indexes_size(c.oid)) AS toast,
                   CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::bigint END AS rows_estimate
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE c.relkind IN ('r','m') AND {SCOPE}) x), '[]'))"
        ),
        Action::ConnectionInfo => "SELECT json_build_object(
               'server_version', current_setting('server_version'),
               'database', current_database(), 'user', current_user, 'session_user', session_user,
               'superuser', (SELECT rolsuper FROM pg_roles WHERE rolname = current_user),
               'in_recovery', pg_is_in_recovery(),
               'can_write', (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
                 OR EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                            WHERE c.relkind IN ('r','p') AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
                              AND has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE'))
                 OR EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
                              AND has_schema_privilege(n.oid, 'CREATE')),
               'default_transaction_read_only', current_setting('default_transaction_read_only'),
               'search_path', current_setting('search_path'),
               'server_encoding', current_setting('server_encoding'),
               'timezone', current_setting('TimeZone'))"
            .to_string(),
        Action::Search => format!(
            "SELECT json_build_object(
               'tables', coalesce((SELECT json_agg(x ORDER BY x.schema, x.name) FROM (
                 SELECT n.nspname AS schema, c.relname AS name,
                   CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' ELSE 'foreign table' END AS kind
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE c.relkind IN ('r','p','v','m','f') AND {SCOPE} AND c.relname ILIKE $2) x), '[]'),
               'columns', coalesce((SELECT json_agg(x ORDER BY x.schema, x.table, x.column) FROM (
                 SELECT n.nspname AS schema, c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type
                 FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r','p','v','m','f') AND NOT c.relispartition
                   AND {SCOPE} AND a.attname ILIKE $2) x), '[]'),
               'functions', coalesce((SELECT json_agg(x ORDER BY x.schema, x.function) FROM (
                 SELECT n.nspname AS schema, p.proname AS function, pg_get_function_identity_arguments(p.oid) AS arguments
                 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                 WHERE {SCOPE} AND p.proname ILIKE $2 AND {}) x), '[]'))",
            NOT_EXTENSION.replace("{oid}", "p.oid")
        ),
        Action::Describe => format!(
            "WITH t AS (SELECT c.*, c.oid AS id, n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE c.oid = to_regclass($2::text) AND ($1::text[] IS NULL OR true))
             SELECT json_build_object(
               'schema', t.nspname, 'name', t.relname,
               'kind', CASE t.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table' WHEN 'v' THEN 'view'
                                      WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table' ELSE t.relkind::text END,
               'owner', pg_get_userbyid(t.relowner),
               'rows_estimate', CASE WHEN t.reltuples < 0 THEN NULL ELSE t.reltuples::bigint END,
               'total_size', pg_size_pretty(pg_total_relation_size(t.id)),
               'rls_enabled', t.relrowsecurity, 'rls_forced', t.relforcerowsecurity,
               'description', obj_description(t.id, 'pg_class'),
               'partition_key', CASE WHEN t.relkind = 'p' THEN pg_get_partkeydef(t.id) END,
               'partition_of', (SELECT p.oid::regclass::text FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE i.inhrelid = t.id AND t.relispartition),
               'partition_bound', CASE WHEN t.relispartition THEN pg_get_expr(t.relpartbound, t.id) END,
               'partitions', (SELECT json_agg(i.inhrelid::regclass::text ORDER BY i.inhrelid::regclass::text) FROM pg_inherits i WHERE i.inhparent = t.id),
               'view_definition', CASE WHEN t.relkind IN ('v','m') THEN pg_get_viewdef(t.id, true) END,
               'columns', coalesce((SELECT json_agg(json_build_object(
                   'column', a.attname, 'type', format_type(a.atttypid, a.atttypmod), 'nullable', NOT a.attnotnull,
                   'default', CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END,
                   'identity', CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' END,
                   'generated', CASE WHEN a.attgenerated = 's' THEN pg_get_expr(d.adbin, d.adrelid) END,
                   'primary_key', EXISTS (SELECT 1 FROM pg_constraint pk WHERE pk.conrelid = t.id AND pk.contype = 'p' AND a.attnum = ANY(pk.conkey)),
                   'description', col_description(t.id, a.attnum)) ORDER BY a.attnum)
                 FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                 WHERE a.attrelid = t.id AND a.attnum > 0 AND NOT a.attisdropped), '[]'),
               'constraints', coalesce((SELECT json_agg(json_build_object(
                   'constraint', con.conname,
                   'type', CASE con.contype WHEN 'p' THEN 'primary key' WHEN 'u' THEN 'unique' WHEN 'c' THEN 'check'
                                            WHEN 'x' THEN 'exclusion' WHEN 'f' THEN 'foreign key' END,
                   'definition', pg_get_constraintdef(con.oid)) ORDER BY con.contype, con.conname)
                 FROM pg_constraint con WHERE con.conrelid = t.id AND con.contype IN ('p','u','c','x')), '[]'),
               'foreign_keys', coalesce((SELECT json_agg(json_build_object(
                   'constraint', con.conname, 'columns', {FK_COLUMNS}, 'references', con.confrelid::regclass::text,
                   'referenced_columns', {FK_REFERENCED}, 'on_delete', {ON_DELETE}, 'on_update', {ON_UPDATE}) ORDER BY con.conname)
                 FROM pg_constraint con WHERE con.conrelid = t.id AND con.contype = 'f'), '[]'),
               'referenced_by', coalesce((SELECT json_agg(json_build_object(
                   'table', con.conrelid::regclass::text, 'constraint', con.conname, 'columns', {FK_COLUMNS},
                   'referenced_columns', {FK_REFERENCED}, 'on_delete', {ON_DELETE}) ORDER BY con.conrelid::regclass::text, con.conname)
                 FROM pg_constraint con WHERE con.confrelid = t.id AND con.contype = 'f' AND con.conparentid = 0), '[]'),
               'indexes', coalesce((SELECT json_agg(json_build_object(
                   'index', ic.relname, 'definition', pg_get_indexdef(i.indexrelid), 'unique', i.indisunique,
                   'primary', i.indisprimary, 'size', pg_size_pretty(pg_relation_size(i.indexrelid))) ORDER BY ic.relname)
                 FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid = t.id), '[]'),
               'triggers', coalesce((SELECT json_agg(json_build_object(
                   'trigger', tg.tgname, 'enabled', tg.tgenabled <> 'D', 'definition', pg_get_triggerdef(tg.oid)) ORDER BY tg.tgname)
                 FROM pg_trigger tg WHERE tg.tgrelid = t.id AND NOT tg.tgisinternal), '[]'),
               'policies', coalesce((SELECT json_agg(json_build_object(
                   'policy', pol.polname,
                   'command', CASE pol.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
                   'permissive', pol.polpermissive,
                   'roles', (SELECT json_agg(CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r) END) FROM unnest(pol.polroles) r),
                   'using', pg_get_expr(pol.polqual, pol.polrelid), 'with_check', pg_get_expr(pol.polwithcheck, pol.polrelid))
                   ORDER BY pol.polname)
                 FROM pg_policy pol WHERE pol.polrelid = t.id), '[]'))
             FROM t"
        ),
        Action::Overview => format!(
            "SELECT coalesce(json_agg(x ORDER BY x.schema, x.name), '[]') FROM (
               SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
                 CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::bigint END AS rows,
                 coalesce((SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
                                  'not_null', a.attnotnull) ORDER BY a.attnum)
                   FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]') AS columns,
                 (SELECT {PK_COLUMNS} FROM pg_constraint pk WHERE pk.conrelid = c.oid AND pk.contype = 'p') AS primary_key,
                 coalesce((SELECT json_agg(json_build_object('columns', {FK_COLUMNS}, 'references', con.confrelid::regclass::text,
                                  'referenced_columns', {FK_REFERENCED}) ORDER BY con.conname)
                   FROM pg_constraint con WHERE con.conrelid = c.oid AND con.contype = 'f'), '[]') AS foreign_keys,
                 obj_description(c.oid, 'pg_class') AS description
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE c.relkind IN ('r','p','v','m','f') AND NOT c.relispartition AND {SCOPE} AND {}) x",
            NOT_EXTENSION.replace("{oid}", "c.oid")
        ),
    };
    Some(sql)
}

const FK_COLUMNS: &str = "(SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum)";
const FK_REFERENCED: &str = "(SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord) JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum)";
const PK_COLUMNS: &str = "(SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(pk.conkey) WITH ORDINALITY k(attnum, ord) JOIN pg_attribute a ON a.attrelid = pk.conrelid AND a.attnum = k.attnum)";
const ON_DELETE: &str = "CASE con.confdeltype WHEN 'c' THEN 'cascade' WHEN 'n' THEN 'set null' WHEN 'd' THEN 'set default' WHEN 'r' THEN 'restrict' ELSE 'no action' END";
const ON_UPDATE: &str = "CASE con.confupdtype WHEN 'c' THEN 'cascade' WHEN 'n' THEN 'set null' WHEN 'd' THEN 'set default' WHEN 'r' THEN 'restrict' ELSE 'no action' END";

/// Every relation name in scope, for "did you mean".
/// `[[schema, name], …]`, raw (a name may hold dots, commas, quotes).
pub const NAMES_QUERY: &str = "SELECT coalesce(json_agg(json_build_array(n.nspname, c.relname) ORDER BY n.nspname, c.relname), '[]')
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r','p','v','m','f') AND (CASE WHEN $1::text[] IS NULL THEN n.nspname <> 'information_schema' AND n.nspname !~ '^pg_' ELSE n.nspname = ANY($1::text[]) END)";

/// A text array literal for `$1` (`{"public","analytics"}`), or None for every schema.
pub fn scope_param(schemas: &[String]) -> Option<String> {
    if schemas.is_empty() {
        return None;
    }
    let items: Vec<String> = schemas
        .iter()
        .map(|s| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    Some(format!("{{{}}}", items.join(",")))
}

/// A substring pattern for ILIKE, with LIKE's own characters escaped.
pub fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Output formats of pg-schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SchemaFormat {
    #[default]
    Text,
    Markdown,
    Json,
}

/// Renders an action's JSON document.
pub fn render(value: &Value, format: SchemaFormat) -> String {
    match format {
        SchemaFormat::Json => serde_json::to_string_pretty(value).unwrap_or_default() + "\n",
        SchemaFormat::Text | SchemaFormat::Markdown => {
            let mut out = String::new();
            render_value(value, format, None, &mut out);
            out
        }
    }
}

fn render_value(value: &Value, format: SchemaFormat, title: Option<&str>, out: &mut String) {
    match value {
        Value::Array(rows) => {
            if let Some(title) = title {
                heading(title, format, out);
            }
            table(rows, format, out);
        }
        Value::Object(map) => {
            // Scalars first as `key: value`, then each list as its own table.
            for (key, item) in map {
                if !matches!(item, Value::Array(_)) && !item.is_null() {
                    let text = shown(key, item);
                    if text.contains('\n') {
                        let _ = writeln!(out, "{key}:");
                        for line in text.lines() {
                            let _ = writeln!(out, "    {}", terminal_safe(line, false));
                        }
                    } else {
                        let _ = writeln!(out, "{key}: {}", terminal_safe(&text, false));
                    }
                }
            }
            for (key, item) in map {
                if let Value::Array(rows) = item {
                    if rows.is_empty() {
                        continue;
                    }
                    out.push('\n');
                    render_value(item, format, Some(key), out);
                }
            }
        }
        Value::Null => out.push_str("(nothing)\n"),
        other => {
            let _ = writeln!(out, "{}", one_line(&cell(other)));
        }
    }
}

fn heading(title: &str, format: SchemaFormat, out: &mut String) {
    match format {
        SchemaFormat::Markdown => {
            let _ = writeln!(out, "### {title}\n");
        }
        _ => {
            let _ = writeln!(out, "{title}:");
        }
    }
}

/// A value under `key` as text: identifiers quoted as PostgreSQL needs.
fn shown(key: &str, value: &Value) -> String {
    match value {
        Value::String(name) if IDENTIFIER_KEYS.contains(&key) => quote_ident(name),
        Value::Array(items) if IDENTIFIER_LIST_KEYS.contains(&key) => items
            .iter()
            .map(|item| item.as_str().map_or_else(|| cell(item), quote_ident))
            .collect::<Vec<_>>()
            .join(", "),
        other => cell(other),
    }
}

/// A value as one cell: arrays joined with `, `, null empty.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(", "),
        Value::Object(_) => value.to_string(),
        other => other.to_string(),
    }
}

fn table(rows: &[Value], format: SchemaFormat, out: &mut String) {
    let Some(first) = rows.first() else {
        out.push_str("(none)\n");
        return;
    };
    let Value::Object(first) = first else {
        for row in rows {
            let _ = writeln!(out, "{}", one_line(&cell(row)));
        }
        return;
    };
    let columns: Vec<&String> = first.keys().collect();
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            columns
                .iter()
                .map(|c| one_line(&shown(c, row.get(c.as_str()).unwrap_or(&Value::Null))))
                .collect()
        })
        .collect();
    match format {
        SchemaFormat::Markdown => {
            let _ = writeln!(
                out,
                "| {} |",
                columns
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(" | ")
            );
            let _ = writeln!(out, "|{}|", vec!["---"; columns.len()].join("|"));
            for row in &cells {
                let escaped: Vec<String> = row.iter().map(|c| c.replace('|', "\\|")).collect();
                let _ = writeln!(out, "| {} |", escaped.join(" | "));
            }
        }
        _ => {
            let width = |i: usize| {
                cells
                    .iter()
                    .filter_map(|r| r.get(i).map(|c| c.chars().count()))
                    .chain(columns.get(i).map(|c| c.chars().count()))
                    .max()
                    .unwrap_or(0)
            };
            let widths: Vec<usize> = (0..columns.len()).map(width).collect();
            let line = |values: Vec<&str>| {
                values
                    .iter()
                    .zip(&widths)
                    .map(|(v, w)| format!("{v:<w$}"))
                    .collect::<Vec<_>>()
                    .join("  ")
                    .trim_end()
                    .to_string()
            };
            let _ = writeln!(
                out,
                "{}",
                line(columns.iter().map(|c| c.as_str()).collect())
            );
            for row in &cells {
                let _ = writeln!(out, "{}", line(row.iter().map(String::as_str).collect()));
            }
        }
    }
}

/// Short type names for the overview (fewer tokens, same meaning).
fn short_type(name: &str) -> String {
    let replacements = [
        ("timestamp with time zone", "timestamptz"),
        ("timestamp without time zone", "timestamp"),
        ("time with time zone", "timetz"),
        ("time without time zone", "time"),
        ("character varying", "varchar"),
        ("double precision", "float8"),
        ("boolean", "bool"),
        ("integer", "int"),
        ("character", "char"),
    ];
    let mut out = name.to_string();
    for (long, short) in replacements {
        out = out.replace(long, short);
    }
    out
}

/// What the overview keeps free for its last line (a note on what was left out).
const NOTE_ROOM: usize = 130;

/// The overview in at most `budget` characters (every line counted): first
/// every table and view by name, grouped by schema (runs like `t1, t2, t3`
/// as `t{1..3}`), then as much detail as fits — columns with types, keys and
/// relations; else columns without types; else full detail for the first
/// tables. Names are quoted as PostgreSQL needs; comments stay on one line.
pub fn overview(tables: &Value, budget: usize) -> String {
    let Some(tables) = tables.as_array() else {
        return String::new();
    };
    let mut by_schema: Vec<(&str, Vec<&Value>)> = Vec::new();
    for table in tables {
        let schema = table["schema"].as_str().unwrap_or_default();
        match by_schema.last_mut() {
            Some((last, items)) if *last == schema => items.push(table),
            _ => by_schema.push((schema, vec![table])),
        }
    }
    let mut out = format!(
        "{} tables and views in {} schema{}; names first (t{{1..3}} = t1, t2, t3), then details\n",
        tables.len(),
        by_schema.len(),
        if by_schema.len() == 1 { "" } else { "s" },
    );
    let index: Vec<String> = by_schema
        .iter()
        .map(|(schema, items)| format!("{}: {}", quote_ident(schema), compact_names(items)))
        .collect();
    let index_len: usize = index.iter().map(|l| l.len() + 1).sum();
    if out.len() + index_len + NOTE_ROOM > budget {
        // Not even the names fit: as many as do, and how many are missing.
        let mut named = 0;
        'schemas: for (schema, items) in &by_schema {
            let mut line = format!("{}:", quote_ident(schema));
            for table in items {
                let name = format!(
                    " {}{},",
                    quote_ident(table["name"].as_str().unwrap_or_default()),
                    kind_mark(table)
                );
                if out.len() + line.len() + name.len() + NOTE_ROOM > budget {
                    if line.contains(' ') {
                        out.push_str(line.trim_end_matches(','));
                        out.push('\n');
                    }
                    break 'schemas;
                }
                line.push_str(&name);
                named += 1;
            }
            out.push_str(line.trim_end_matches(','));
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "… {} more not named, no details (budget {budget}): narrow with --schema or raise --budget",
            tables.len() - named
        );
        return out;
    }
    for line in &index {
        out.push_str(line);
        out.push('\n');
    }
    out.push('\n');
    let room = budget.saturating_sub(out.len() + NOTE_ROOM);
    let blocks = |detail: Detail| -> Vec<String> {
        tables.iter().map(|t| overview_block(t, detail)).collect()
    };
    for detail in [Detail::Full, Detail::Names] {
        let body = blocks(detail);
        if body.iter().map(String::len).sum::<usize>() <= room {
            for block in body {
                out.push_str(&block);
            }
            if detail == Detail::Names {
                out.push_str(
                    "(column types left out to fit the budget; `describe TABLE` has them)\n",
                );
            }
            return out;
        }
    }
    let mut used = 0;
    let mut shown = 0;
    for block in blocks(Detail::Full) {
        if used + block.len() > room {
            break;
        }
        used += block.len();
        out.push_str(&block);
        shown += 1;
    }
    let _ = writeln!(
        out,
        "… details of {} more left out to fit the budget: `describe TABLE`, --schema or --budget",
        tables.len() - shown
    );
    out
}

/// ` (view)`, ` (matview)`, … after a name in the overview's index.
fn kind_mark(table: &Value) -> &'static str {
    match table["kind"].as_str().unwrap_or_default() {
        "v" => " (view)",
        "m" => " (matview)",
        "f" => " (foreign)",
        "p" => " (partitioned)",
        _ => "",
    }
}

/// Names of one schema, comma-separated, quoted as needed; runs of three or
/// more plain names that differ only in a number (`t1`, `t2`, `t3`) as `t{1..3}`.
fn compact_names(items: &[&Value]) -> String {
    // (prefix, digits width when zero-padded, kind) → numbers.
    let mut runs: std::collections::BTreeMap<(String, usize, &'static str), Vec<u64>> =
        std::collections::BTreeMap::new();
    let mut single: Vec<(String, String)> = Vec::new();
    let split = |name: &str| {
        let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let (prefix, number) = name.split_at(name.len() - digits);
        (prefix.to_string(), number.to_string())
    };
    // Zero-padded families (`events_0001`): their unpadded members of the same
    // width (`events_1000`) belong with them.
    let padded: BTreeSet<(String, usize)> = items
        .iter()
        .map(|t| split(t["name"].as_str().unwrap_or_default()))
        .filter(|(_, number)| number.len() > 1 && number.starts_with('0'))
        .map(|(prefix, number)| (prefix, number.len()))
        .collect();
    for table in items {
        let name = table["name"].as_str().unwrap_or_default();
        let kind = kind_mark(table);
        let (prefix, number) = split(name);
        let digits = number.len();
        let plain = quote_ident(name) == name;
        match (plain && digits > 0 && digits <= 18, number.parse::<u64>()) {
            (true, Ok(n)) => {
                let width = if padded.contains(&(prefix.clone(), digits)) {
                    digits
                } else if number.starts_with('0') {
                    // A lone `x0`: kept as it is.
                    digits
                } else {
                    0
                };
                runs.entry((prefix, width, kind)).or_default().push(n);
            }
            _ => single.push((name.to_string(), format!("{}{kind}", quote_ident(name)))),
        }
    }
    for ((prefix, width, kind), mut numbers) in runs {
        numbers.sort_unstable();
        let text = |n: u64| format!("{n:0width$}");
        let mut i = 0;
        while let Some(&first) = numbers.get(i) {
            let mut j = i;
            while numbers
                .get(j + 1)
                .is_some_and(|&next| Some(next) == numbers.get(j).map(|n| n + 1))
            {
                j += 1;
            }
            let last = numbers.get(j).copied().unwrap_or(first);
            let sort_key = format!("{prefix}{}", text(first));
            if j - i >= 2 {
                single.push((
                    sort_key,
                    format!("{prefix}{{{}..{}}}{kind}", text(first), text(last)),
                ));
            } else {
                for n in numbers.get(i..=j).unwrap_or_default() {
                    single.push((
                        format!("{prefix}{}", text(*n)),
                        format!("{prefix}{}{kind}", text(*n)),
                    ));
                }
            }
            i = j + 1;
        }
    }
    single.sort();
    single
        .into_iter()
        .map(|(_, shown)| shown)
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Detail {
    Full,
    Names,
}

/// One table's detail lines in the overview.
fn overview_block(table: &Value, detail: Detail) -> String {
    let mut out = String::new();
    let kind = match table["kind"].as_str().unwrap_or_default() {
        "v" => " view",
        "m" => " matview",
        "f" => " foreign",
        "p" => " partitioned",
        _ => "",
    };
    let rows = table["rows"]
        .as_i64()
        .map(|r| format!(" ~{r} rows"))
        .unwrap_or_default();
    let columns = table["columns"].as_array().cloned().unwrap_or_default();
    let pk: Vec<&str> = table["primary_key"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let name = qualified(
        table["schema"].as_str().unwrap_or_default(),
        table["name"].as_str().unwrap_or_default(),
    );
    let description = table["description"]
        .as_str()
        .map(|d| format!(" — {}", one_line(d)))
        .unwrap_or_default();
    let described: Vec<String> = columns
        .iter()
        .map(|c| {
            let column = c["name"].as_str().unwrap_or_default();
            let mut text = quote_ident(column);
            if detail == Detail::Full {
                text.push(' ');
                text.push_str(&one_line(&short_type(
                    c["type"].as_str().unwrap_or_default(),
                )));
                if pk.contains(&column) {
                    text.push_str(" PK");
                } else if c["not_null"].as_bool() == Some(true) {
                    text.push_str(" NN");
                }
            }
            text
        })
        .collect();
    let _ = writeln!(out, "{name}{kind}{rows}{description}");
    let _ = writeln!(out, "  {}", described.join(", "));
    if detail == Detail::Full {
        for fk in table["foreign_keys"].as_array().into_iter().flatten() {
            let list = |v: &Value| {
                v.as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(quote_ident)
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                    .unwrap_or_default()
            };
            let _ = writeln!(
                out,
                "  ({}) → {}({})",
                list(&fk["columns"]),
                one_line(fk["references"].as_str().unwrap_or_default()),
                list(&fk["referenced_columns"])
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn actions_are_sorted_and_parse_by_new_and_old_names() {
        for pair in ACTIONS.windows(2) {
            assert!(pair[0].0 < pair[1].0);
        }
        assert_eq!(Action::parse("tables"), Some(Action::Tables));
        assert_eq!(Action::parse("list-tables"), Some(Action::Tables));
        assert_eq!(Action::parse("table-sizes"), Some(Action::Sizes));
        assert_eq!(Action::parse("drop"), None);
        for (_, action, _) in ACTIONS {
            assert_eq!(query(*action).is_none(), *action == Action::Connections);
        }
    }

    #[test]
    fn parameters_are_escaped_not_spliced() {
        assert_eq!(scope_param(&[]), None);
        assert_eq!(
            scope_param(&["public".into(), "we\"ird".into()]).as_deref(),
            Some("{\"public\",\"we\\\"ird\"}")
        );
        assert_eq!(like_pattern("user_id%"), "%user\\_id\\%%");
    }

    #[test]
    fn text_tables_align_and_markdown_escapes() {
        let rows = json!([{"name": "users", "rows": 20}, {"name": "orders", "rows": null}]);
        assert_eq!(
            render(&rows, SchemaFormat::Text),
            "name    rows\nusers   20\norders\n"
        );
        let md = render(&json!([{"a": "x|y"}]), SchemaFormat::Markdown);
        assert_eq!(md, "| a |\n|---|\n| x\\|y |\n");
        let doc = render(
            &json!({"database": "d", "tables": [{"t": 1}]}),
            SchemaFormat::Text,
        );
        assert_eq!(doc, "database: d\n\ntables:\nt\n1\n");
    }

    #[test]
    fn the_overview_shrinks_to_its_budget() {
        let table = |i: usize| {
            json!({"schema": "public", "name": format!("t{i}"), "kind": "r", "rows": 10,
            "columns": [{"name": "id", "type": "integer", "not_null": true}, {"name": "at", "type": "timestamp with time zone", "not_null": false}],
            "primary_key": ["id"], "foreign_keys": [{"columns": ["id"], "references": "public.t0", "referenced_columns": ["id"]}], "description": null})
        };
        let tables = Value::Array((0..50).map(table).collect());
        let full = overview(&tables, 100_000);
        assert!(
            full.contains("t1 ~10 rows\n  id int PK, at timestamptz\n  (id) → public.t0(id)"),
            "{full}"
        );
        for budget in [100_000, 3_000, 2_000, 1_600, 1_000, 500] {
            let text = overview(&tables, budget);
            assert!(text.len() <= budget, "{budget}: {}", text.len());
        }
        let names = overview(&tables, 2_000);
        assert!(names.contains("column types left out"), "{names}");
        let cut = overview(&tables, 300);
        assert!(cut.contains("left out") && cut.len() <= 300, "{cut}");
    }
}
