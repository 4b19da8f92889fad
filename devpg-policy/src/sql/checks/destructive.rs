//! `drop`, `truncate`, `alter-drop`, `cascade`, `revoke`, `owner-change`:
//! statements that remove objects, rows, parts of objects or privileges.

use crate::sql::inspect::Inspector;
use crate::sql::rules::Rule;
use crate::sql::walk::node_kind;
use pg_query::protobuf::{
    AlterPublicationAction, AlterSubscriptionType, AlterTableType, AlterTsConfigType,
    DefElemAction, DropBehavior,
};
use pg_query::NodeRef;

impl Inspector<'_> {
    pub(crate) fn check_destructive(&mut self, node: NodeRef<'_>) {
        let kind = node_kind(node);
        if kind.starts_with("drop") {
            self.destructive(
                Rule::Drop,
                format!("{} removes objects", kind.to_uppercase().replace('-', " ")),
                None,
            );
        }
        let cascade = |behavior: i32| behavior == DropBehavior::DropCascade as i32;
        match node {
            NodeRef::DropStmt(d) if cascade(d.behavior) => self.cascade(),
            NodeRef::DropOwnedStmt(d) if cascade(d.behavior) => self.cascade(),
            NodeRef::TruncateStmt(t) => {
                self.destructive(Rule::Truncate, "TRUNCATE removes every row".into(), None);
                if cascade(t.behavior) {
                    self.cascade();
                }
            }
            NodeRef::AlterTableCmd(cmd) => {
                use AlterTableType::*;
                let drops = [
                    AtDropColumn,
                    AtDropConstraint,
                    AtDropNotNull,
                    AtDropExpression,
                    AtDropIdentity,
                ];
                if drops.iter().any(|t| *t as i32 == cmd.subtype)
                    || (cmd.subtype == AtColumnDefault as i32 && cmd.def.is_none())
                {
                    self.destructive(
                        Rule::AlterDrop,
                        "ALTER … DROP removes a column, constraint, default or property".into(),
                        None,
                    );
                }
                if cmd.subtype == AtChangeOwner as i32 {
                    self.owner_change();
                }
                if cascade(cmd.behavior) {
                    self.cascade();
                }
            }
            NodeRef::AlterDomainStmt(d) => {
                if d.subtype == "X" || d.subtype == "N" || (d.subtype == "T" && d.def.is_none()) {
                    self.destructive(
                        Rule::AlterDrop,
                        "ALTER DOMAIN … DROP removes a constraint or default".into(),
                        None,
                    );
                }
                if cascade(d.behavior) {
                    self.cascade();
                }
            }
            NodeRef::AlterExtensionContentsStmt(a) if a.action < 0 => {
                self.alter_drop("ALTER EXTENSION … DROP")
            }
            NodeRef::AlterPublicationStmt(a)
                if a.action == AlterPublicationAction::ApDropObjects as i32 =>
            {
                self.alter_drop("ALTER PUBLICATION … DROP")
            }
            NodeRef::AlterOpFamilyStmt(a) if a.is_drop => {
                self.alter_drop("ALTER OPERATOR FAMILY … DROP")
            }
            NodeRef::AlterTsconfigurationStmt(a)
                if a.kind == AlterTsConfigType::AlterTsconfigDropMapping as i32 =>
            {
                self.alter_drop("ALTER TEXT SEARCH CONFIGURATION … DROP MAPPING")
            }
            NodeRef::AlterSubscriptionStmt(a)
                if a.kind == AlterSubscriptionType::AlterSubscriptionDropPublication as i32 =>
            {
                self.alter_drop("ALTER SUBSCRIPTION … DROP PUBLICATION")
            }
            NodeRef::AlterRoleStmt(a) if a.action < 0 => self.alter_drop("ALTER GROUP … DROP USER"),
            NodeRef::GrantStmt(g) => {
                if !g.is_grant {
                    self.revoke();
                }
                if cascade(g.behavior) {
                    self.cascade();
                }
            }
            NodeRef::GrantRoleStmt(g) => {
                if !g.is_grant {
                    self.revoke();
                }
                if cascade(g.behavior) {
                    self.cascade();
                }
            }
            NodeRef::AlterOwnerStmt(_) | NodeRef::ReassignOwnedStmt(_) => self.owner_change(),
            // Only ALTER … OPTIONS (servers, user mappings, foreign tables and
            // columns, wrappers) carries DROP on an option.
            NodeRef::DefElem(d) if d.defaction == DefElemAction::DefelemDrop as i32 => {
                self.alter_drop(&format!("OPTIONS (DROP {})", d.defname))
            }
            _ => {}
        }
    }

    fn cascade(&mut self) {
        self.destructive(
            Rule::Cascade,
            "CASCADE also removes every object that depends on it".into(),
            None,
        );
    }

    fn alter_drop(&mut self, what: &str) {
        self.destructive(
            Rule::AlterDrop,
            format!("{what} removes part of an object"),
            None,
        );
    }

    fn revoke(&mut self) {
        self.destructive(Rule::Revoke, "REVOKE takes privileges away".into(), None);
    }

    fn owner_change(&mut self) {
        self.destructive(
            Rule::OwnerChange,
            "changing an owner hands over control of objects".into(),
            None,
        );
    }
}
