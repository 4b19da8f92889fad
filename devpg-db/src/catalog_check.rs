//! The catalog decides, where there is a connection: every function a
//! statement runs (calls anywhere in the tree, the functions behind its
//! operators and casts) is resolved against `pg_proc` inside the guarded
//! transaction, with `search_path` as the session has it, in one round trip.
//!
//! With any call or write, the implicit and assignment casts PostgreSQL may
//! apply without a cast in the text are checked too.
//!
//! A call whose every candidate is IMMUTABLE or STABLE is a read (PostgreSQL
//! refuses writes from non-volatile SQL and PL/pgSQL functions). A VOLATILE
//! candidate is refused unless it ships with PostgreSQL or an extension and
//! is on the effect-free list (`random`, `clock_timestamp`, …), or the
//! connection's `allow_functions` names it. What this cannot see: the body
//! of a view or of a user function that is itself STABLE, and C functions
//! that declare a volatility they do not keep — the static side-effect
//! tables stay the first layer for those.

use crate::pg::PgError;
use crate::session::Session;
use devpg_policy::sql::{effect_free_volatile, side_effect, CallKind, FunctionCall};
use devpg_policy::Mode;
use serde_json::{json, Value};

/// Resolves `$1`, a JSON array of calls `{k: kind, s: schema, n: name, a: nargs}`,
/// to the VOLATILE functions among their candidates, as a JSON array of
/// `{i: index, schema, name, shipped}` (`shipped`: in pg_catalog or an extension's).
/// Every name is qualified: the user's objects cannot stand in for the catalog's.
const RESOLVE: &str = r#"WITH calls AS (
    SELECT c.ordinality - 1 AS i, c.value ->> 'k' AS kind, c.value ->> 's' AS schema,
           c.value ->> 'n' AS name, (c.value ->> 'a')::pg_catalog.int4 AS nargs
    FROM pg_catalog.jsonb_array_elements($1::pg_catalog.jsonb) WITH ORDINALITY AS c(value, ordinality)
),
candidates AS (
    SELECT c.i, p.oid, c.kind = 'field' AS field
    FROM calls c JOIN pg_catalog.pg_proc p ON p.proname = c.name
    WHERE c.kind IN ('function', 'field')
      AND CASE WHEN c.schema IS NULL
               THEN p.pronamespace::pg_catalog.regnamespace::pg_catalog.name = ANY (pg_catalog.current_schemas(true))
               ELSE p.pronamespace::pg_catalog.regnamespace::pg_catalog.name = c.schema END
      AND (c.nargs IS NULL OR c.nargs BETWEEN p.pronargs - p.pronargdefaults AND p.pronargs
           OR (p.provariadic <> 0 AND c.nargs >= p.pronargs - 1))
    UNION ALL
    SELECT c.i, o.oprcode::pg_catalog.oid, false
    FROM calls c JOIN pg_catalog.pg_operator o ON o.oprname = c.name
    WHERE c.kind = 'operator' AND o.oprcode <> 0
      AND CASE WHEN c.schema IS NULL
               THEN o.oprnamespace::pg_catalog.regnamespace::pg_catalog.name = ANY (pg_catalog.current_schemas(true))
               ELSE o.oprnamespace::pg_catalog.regnamespace::pg_catalog.name = c.schema END
    UNION ALL
    SELECT c.i, f.oid, false
    FROM calls c JOIN pg_catalog.pg_type t ON t.typname = c.name
    CROSS JOIN LATERAL (
        SELECT k.castfunc FROM pg_catalog.pg_cast k
        WHERE c.kind = 'cast' AND k.casttarget = t.oid AND k.castfunc <> 0
        UNION ALL SELECT t.typinput::pg_catalog.oid
    ) AS f(oid)
    WHERE c.kind IN ('cast', 'literal')
      AND CASE WHEN c.schema IS NULL
               THEN t.typnamespace::pg_catalog.regnamespace::pg_catalog.name = ANY (pg_catalog.current_schemas(true))
               ELSE t.typnamespace::pg_catalog.regnamespace::pg_catalog.name = c.schema END
    UNION ALL
    SELECT c.i, k.castfunc, false
    FROM calls c JOIN pg_catalog.pg_cast k ON k.castcontext IN ('i', 'a') AND k.castfunc <> 0
    WHERE c.kind = 'implicit'
)
SELECT COALESCE(pg_catalog.jsonb_agg(DISTINCT pg_catalog.jsonb_build_object(
           'i', k.i, 'schema', n.nspname, 'name', p.proname,
           'shipped', n.nspname = 'pg_catalog' OR EXISTS (
               SELECT FROM pg_catalog.pg_depend d
               WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid
                 AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.deptype = 'e'))),
       '[]')::pg_catalog.text
FROM candidates k
JOIN pg_catalog.pg_proc p ON p.oid = k.oid
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE p.provolatile = 'v'
  -- `x.f` reads a column when one is named f; looked up only for the rare
  -- field notation that could reach a VOLATILE function.
  AND CASE WHEN k.field THEN NOT EXISTS (
          SELECT FROM pg_catalog.pg_attribute a
          WHERE a.attname = p.proname AND a.attnum > 0 AND NOT a.attisdropped)
      ELSE true END"#;

/// A call the catalog check refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub call: FunctionCall,
    /// The VOLATILE function it may resolve to, `schema.name`.
    pub function: String,
}

impl Refusal {
    /// The reason shown to people and recorded in the audit log.
    pub fn reason(&self) -> String {
        let what = match self.call.kind {
            CallKind::Function => format!("{}()", self.call.name),
            CallKind::FieldNotation => {
                format!("{}() (written x.{})", self.call.name, self.call.name)
            }
            CallKind::Operator => format!("operator {}", self.call.name),
            CallKind::Cast => format!("a cast to {}", self.call.name),
            CallKind::Literal => format!("a literal of type {}", self.call.name),
            CallKind::ImplicitCasts => "an implicit or assignment cast it may apply".into(),
        };
        format!(
            "{what} runs {}(), which the server's catalog declares VOLATILE: it may change state, so it is refused on this connection (add it to the connection's allow_functions if it has no effects)",
            self.function
        )
    }
}

/// The calls of `calls` that resolve to a VOLATILE function neither on the
/// effect-free list nor in `allow_functions`. No calls: no round trip.
pub fn check(
    session: &mut Session,
    mode: Mode,
    calls: &[FunctionCall],
    allow_functions: &[String],
) -> Result<Vec<Refusal>, PgError> {
    if calls.is_empty() {
        return Ok(Vec::new());
    }
    let request: Vec<Value> = calls
        .iter()
        .map(|c| json!({"k": c.kind.as_str(), "s": c.schema, "n": c.name, "a": c.nargs}))
        .collect();
    let request = Value::Array(request).to_string();
    let answer = session
        .query_value(RESOLVE, &[Some(request.as_str())])?
        .unwrap_or_default();
    let volatile: Vec<Value> = serde_json::from_str(&answer)
        .map_err(|e| PgError::Protocol(format!("the catalog check's answer is not JSON ({e})")))?;
    let mut refusals = Vec::new();
    for candidate in volatile {
        let index = candidate.get("i").and_then(Value::as_u64);
        let schema = candidate
            .get("schema")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let name = candidate
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let shipped = candidate.get("shipped").and_then(Value::as_bool) == Some(true);
        let call = index
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| calls.get(i));
        let Some(call) = call else {
            return Err(PgError::Protocol(
                "the catalog check answered for a call it was not asked about".into(),
            ));
        };
        if allowed(mode, schema, name, shipped, allow_functions) {
            continue;
        }
        let refusal = Refusal {
            call: call.clone(),
            function: format!("{schema}.{name}"),
        };
        if !refusals.contains(&refusal) {
            refusals.push(refusal);
        }
    }
    Ok(refusals)
}

/// Whether a VOLATILE function may run: effect-free (on a dml connection:
/// or changing only data, as `nextval`) and shipped with PostgreSQL or an
/// extension (a user's own `public.random()` is not the catalog's), or named
/// by the connection's `allow_functions`.
fn allowed(
    mode: Mode,
    schema: &str,
    name: &str,
    shipped: bool,
    allow_functions: &[String],
) -> bool {
    let qualified = format!("{schema}.{name}");
    let data_only = mode == Mode::Dml && side_effect(name, None).is_some_and(|rule| rule.dml_ok);
    (shipped && (effect_free_volatile(name) || data_only))
        || allow_functions.iter().any(|a| a == name || *a == qualified)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effect_free_functions_pass_only_when_they_ship_with_postgresql() {
        let ro = Mode::ReadOnly;
        assert!(allowed(ro, "pg_catalog", "random", true, &[]));
        assert!(!allowed(ro, "public", "random", false, &[]));
        assert!(!allowed(ro, "pg_catalog", "nextval", true, &[]));
    }

    #[test]
    fn functions_that_change_only_data_pass_on_dml_connections() {
        assert!(allowed(Mode::Dml, "pg_catalog", "nextval", true, &[]));
        assert!(!allowed(Mode::Dml, "public", "nextval", false, &[]));
        assert!(!allowed(Mode::Dml, "pg_catalog", "pg_notify", true, &[]));
    }

    #[test]
    fn allow_functions_names_a_function_with_or_without_its_schema() {
        let allow = ["audit.stamp".to_string(), "touch".to_string()];
        let ro = Mode::ReadOnly;
        assert!(allowed(ro, "audit", "stamp", false, &allow));
        assert!(!allowed(ro, "public", "stamp", false, &allow));
        assert!(allowed(ro, "public", "touch", false, &allow));
    }
}
