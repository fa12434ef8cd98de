//! Everything hearth holds about a member, found, handed over and forgotten through one
//! registry of the columns that can hold a member's id or name.
//!
//! [`TABLES`] names every table of the schema, and for each the columns that can hold
//! a member's id (or text that mentions it) or name, how the table reaches its
//! community, and what forgetting does to a member's rows. Export and forget are
//! driven by it, so a table added to it is exported and forgotten with no other code;
//! and a test compares it with the migrated schema (`pragma_table_info`), so a new
//! table or a new member column cannot escape both.

use serde_json::{Map, Value};
use sqlx::any::AnyTypeInfoKind;
use sqlx::{AnyConnection, Column, Row, ValueRef};

use super::{positional, StoreError};

/// How a table's rows reach their community (a member's data is handed over and
/// forgotten one community at a time: a coordinator sees only their own server's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The table has a `community_id` column.
    Community,
    /// Through `group_id`.
    Group,
    /// Through `series_id`.
    Series,
    /// Through `session_id`.
    Session,
}

impl Scope {
    /// A condition on the table's rows with one `?` for the community id.
    fn condition(self) -> &'static str {
        match self {
            Scope::Community => "community_id = ?",
            Scope::Group => "group_id IN (SELECT id FROM meeting_group WHERE community_id = ?)",
            Scope::Series => {
                "series_id IN (SELECT r.id FROM series r JOIN meeting_group g ON g.id = r.group_id
                               WHERE g.community_id = ?)"
            }
            Scope::Session => {
                "session_id IN (SELECT s.id FROM session s JOIN series r ON r.id = s.series_id
                                JOIN meeting_group g ON g.id = r.group_id WHERE g.community_id = ?)"
            }
        }
    }
}

/// What a member column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holds {
    /// Exactly a member's id (or nothing).
    Id,
    /// Text that may mention a member's id among other words (`group:3 user:123`,
    /// a job's key `dm:12:1h:123`).
    Mention,
    /// The member's name as shown: cleared with the row's ids.
    Name,
}

/// What forgetting a member does to their rows of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forget {
    /// The rows go. (Their share of the figures is kept first where it counts: see
    /// the app's forget.)
    Delete,
    /// The rows stay, for what they count, with a stable pseudonym in place of the
    /// member's id and their names cleared.
    Pseudonymise,
}

/// One table of the schema and its member columns.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    pub name: &'static str,
    /// (column, what it holds). Empty: the table holds nothing about a member.
    pub columns: &'static [(&'static str, Holds)],
    pub scope: Scope,
    pub forget: Forget,
    /// What its rows are, in the export's summary ("answers to sessions").
    pub what: &'static str,
}

use Forget::{Delete, Pseudonymise};
use Holds::{Id, Mention, Name};
use Scope::{Community, Group, Series, Session};

/// Shorthand for a registry line.
const fn table(
    name: &'static str,
    columns: &'static [(&'static str, Holds)],
    scope: Scope,
    forget: Forget,
    what: &'static str,
) -> Table {
    Table {
        name,
        columns,
        scope,
        forget,
        what,
    }
}

/// Every table of the schema. Adding a table (a migration) means adding its line here;
/// the schema test fails until it is.
pub const TABLES: &[Table] = &[
    // Member data.
    table(
        "rsvp",
        &[("user_id", Id), ("display_name", Name)],
        Session,
        Delete,
        "answers to sessions",
    ),
    table(
        "series_rsvp",
        &[("user_id", Id), ("display_name", Name)],
        Series,
        Delete,
        "standing answers to a series",
    ),
    table(
        "member_prefs",
        &[("user_id", Id)],
        Community,
        Delete,
        "preferences",
    ),
    table(
        "rota_facilitator",
        &[("user_id", Id), ("display_name", Name)],
        Group,
        Delete,
        "places in a facilitator pool",
    ),
    table("rota_away", &[("user_id", Id)], Community, Delete, "times away"),
    table(
        "rota_assignment",
        &[("user_id", Id)],
        Session,
        Pseudonymise,
        "facilitator shifts",
    ),
    table(
        "rota_offer",
        &[("from_user", Id), ("taken_by", Id), ("taken_name", Name)],
        Session,
        Pseudonymise,
        "shifts offered or taken",
    ),
    table(
        "prompt",
        &[("submitted_by", Id), ("reviewed_by", Id)],
        Group,
        Pseudonymise,
        "check-in prompts submitted or reviewed",
    ),
    table(
        "series",
        &[("created_by", Id)],
        Group,
        Pseudonymise,
        "meeting series set up",
    ),
    table(
        "job",
        &[("target", Id), ("dedupe_key", Mention), ("lane", Mention)],
        Community,
        Delete,
        "messages sent or waiting to be sent to you",
    ),
    table(
        "audit",
        &[("actor", Id), ("target", Mention), ("detail", Mention)],
        Community,
        Pseudonymise,
        "entries in the audit trail",
    ),
    table(
        "dropin_duty",
        &[("user_id", Id), ("display_name", Name)],
        Group,
        Delete,
        "stints on duty at a drop-in",
    ),
    table(
        "dropin_closed_day",
        &[("created_by", Id)],
        Group,
        Pseudonymise,
        "drop-in closed days set",
    ),
    table(
        "calendar_feed",
        &[("created_by", Id)],
        Community,
        Pseudonymise,
        "calendar and public page links made",
    ),
    // Tables that hold nothing about a member (group names, settings, counts).
    table("community", &[], Community, Delete, "community settings"),
    table("meeting_group", &[], Community, Delete, "groups"),
    table("session", &[], Series, Delete, "sessions"),
    table("rota_settings", &[], Group, Delete, "rota settings"),
    table("prompt_deck", &[], Group, Delete, "prompt decks"),
    table("prompt_schedule", &[], Group, Delete, "prompt schedules"),
    table("session_tally", &[], Session, Delete, "counts per session"),
    table("month_tally", &[], Group, Delete, "counts per month"),
    table("retention_run", &[], Community, Delete, "retention runs"),
    table("dropin_window", &[], Group, Delete, "drop-in opening hours"),
    table("dropin_settings", &[], Group, Delete, "drop-in settings"),
    // Sessions' Discord scheduled events: ids and what each says, never who is going.
    table("discord_event", &[], Session, Delete, "sessions' Discord events"),
    table(
        "event_problem",
        &[],
        Community,
        Delete,
        "Discord's refusals of events",
    ),
    // Outcomes: check-out answers and their markers hold no member id or name (the
    // marker is a keyed hash, kept apart from the answers, gone when the check-out closes).
    table("outcome_settings", &[], Group, Delete, "outcome settings"),
    table(
        "outcome_secret",
        &[],
        Community,
        Delete,
        "the key of check-out markers",
    ),
    table(
        "checkout_answer",
        &[],
        Session,
        Delete,
        "check-out answers, unlinked",
    ),
    table(
        "checkout_marker",
        &[],
        Session,
        Delete,
        "check-out markers, unlinked",
    ),
    // The quarterly question: its rounds, answers and markers hold no member id or name
    // (the marker is a keyed hash, apart from the answers, gone when the round closes).
    table("quarterly_round", &[], Community, Delete, "quarterly rounds"),
    table(
        "quarterly_answer",
        &[],
        Community,
        Delete,
        "quarterly answers, unlinked",
    ),
    table(
        "quarterly_marker",
        &[],
        Community,
        Delete,
        "quarterly markers, unlinked",
    ),
    table(
        "debrief",
        &[("user_id", Id)],
        Session,
        Delete,
        "debriefs after sessions you facilitated",
    ),
];

/// Tables of SQLite's and of the migrator, not hearth's.
pub const SYSTEM_TABLES: &[&str] = &["_sqlx_migrations", "sqlite_sequence"];

/// Whether a column's name says it may hold a member's id or name: what the schema
/// test asks every such column to be registered for.
pub fn looks_member_bearing(table: &str, column: &str) -> bool {
    // A group's own name, and the lower-cased key of it, name no member.
    if table == "meeting_group" && matches!(column, "name" | "name_key") {
        return false;
    }
    let words = [
        "user",
        "member",
        "actor",
        "target",
        "name",
        "_by",
        "author",
        "owner",
        "person",
        "lane",
        "dedupe_key",
        "detail",
        "payload",
        "submitter",
    ];
    words.iter().any(|w| column.contains(w))
}

/// Columns whose name looks member-bearing but which hold no member's id or name,
/// each with the reason.
pub const NOT_MEMBER: &[(&str, &str, &str)] = &[
    (
        "job",
        "payload",
        "a reminder's offset, a prompt's id, or a sentence naming no member",
    ),
    (
        "job",
        "claimed_by",
        "the name of the hearth process sending it (engine.instance), never a member",
    ),
    (
        "member_prefs",
        "show_name_on_rota",
        "a yes or no: whether cards may name them",
    ),
    (
        "event_problem",
        "detail",
        "what Discord said when it refused the community's events",
    ),
];

/// One table's rows about a member, as JSON objects of column to value.
#[derive(Debug, Clone)]
pub struct Found {
    pub table: &'static Table,
    pub rows: Vec<Value>,
}

/// The condition matching a member's rows of `table` on its member id columns, with
/// one bind of the member id per column.
fn member_condition(table: &Table) -> Option<String> {
    let parts: Vec<String> = table
        .columns
        .iter()
        .filter_map(|(column, holds)| match holds {
            Id => Some(format!("{column} = ?")),
            // A whole word of the text, where words are split at spaces, colons,
            // commas and equals signs (so user 12 is not found in user 123).
            Mention => Some(format!(
                "(' ' || {words} || ' ') LIKE ('% ' || {needle} || ' %')",
                words = tokens(column),
                needle = tokens("?")
            )),
            Name => None,
        })
        .collect();
    (!parts.is_empty()).then(|| format!("({})", parts.join(" OR ")))
}

fn tokens(expression: &str) -> String {
    format!("REPLACE(REPLACE(REPLACE(COALESCE({expression}, ''), ':', ' '), ',', ' '), '=', ' ')")
}

fn id_columns(table: &Table) -> usize {
    table.columns.iter().filter(|(_, holds)| *holds != Name).count()
}

/// Every row of every registered table that holds this member's id, in this community.
pub async fn find(
    conn: &mut AnyConnection,
    community_id: &str,
    user_id: &str,
) -> Result<Vec<Found>, StoreError> {
    let mut found = Vec::new();
    for table in TABLES {
        let Some(matches) = member_condition(table) else {
            continue;
        };
        let sql = positional(&format!(
            "SELECT * FROM {} WHERE {matches} AND {}",
            table.name,
            table.scope.condition()
        ));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for _ in 0..id_columns(table) {
            query = query.bind(user_id);
        }
        let rows = query.bind(community_id).fetch_all(&mut *conn).await?;
        let rows = rows.iter().map(row_json).collect::<Result<Vec<_>, _>>()?;
        found.push(Found { table, rows });
    }
    Ok(found)
}

/// A row as a JSON object, whatever its columns.
fn row_json(row: &sqlx::any::AnyRow) -> Result<Value, StoreError> {
    let mut object = Map::new();
    for column in row.columns() {
        let i = column.ordinal();
        let raw = row.try_get_raw(i)?;
        let value = if raw.is_null() {
            Value::Null
        } else {
            let kind = raw.type_info().kind();
            if kind.is_integer() {
                Value::from(row.try_get_unchecked::<i64, _>(i)?)
            } else if matches!(kind, AnyTypeInfoKind::Real | AnyTypeInfoKind::Double) {
                Value::from(row.try_get_unchecked::<f64, _>(i)?)
            } else if matches!(kind, AnyTypeInfoKind::Blob) {
                Value::from(format!(
                    "<{} bytes>",
                    row.try_get_unchecked::<Vec<u8>, _>(i)?.len()
                ))
            } else if matches!(kind, AnyTypeInfoKind::Bool) {
                Value::from(row.try_get_unchecked::<bool, _>(i)?)
            } else {
                Value::from(row.try_get_unchecked::<String, _>(i)?)
            }
        };
        object.insert(column.name().to_string(), value);
    }
    Ok(Value::Object(object))
}

/// How many rows forgetting changed, per table.
pub type Forgotten = Vec<(&'static str, u64)>;

/// Forgets a member in one community, in the caller's transaction: each registered
/// table's rows of theirs are deleted or pseudonymised as [`Table::forget`] says. The
/// app does what needs the domain first (keeping counts, releasing shifts).
pub async fn forget(
    conn: &mut AnyConnection,
    community_id: &str,
    user_id: &str,
    pseudonym: &str,
) -> Result<Forgotten, StoreError> {
    let mut changed = Vec::new();
    for table in TABLES {
        let Some(matches) = member_condition(table) else {
            continue;
        };
        let scope = table.scope.condition();
        let done = match table.forget {
            Delete => {
                let sql = positional(&format!("DELETE FROM {} WHERE {matches} AND {scope}", table.name));
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                for _ in 0..id_columns(table) {
                    query = query.bind(user_id);
                }
                query.bind(community_id).execute(&mut *conn).await?
            }
            Pseudonymise => {
                // Names go from rows that named the member; ids become the pseudonym.
                let sets: Vec<String> = table
                    .columns
                    .iter()
                    .map(|(column, holds)| match holds {
                        Id => format!("{column} = CASE WHEN {column} = $1 THEN $2 ELSE {column} END"),
                        Mention => format!("{column} = REPLACE({column}, $1, $2)"),
                        Name => format!(
                            "{column} = CASE WHEN {} THEN '' ELSE {column} END",
                            name_owner(table)
                        ),
                    })
                    .collect();
                let matches = numbered(&member_condition(table).unwrap_or_default());
                let sql = format!(
                    "UPDATE {} SET {} WHERE {matches} AND {}",
                    table.name,
                    sets.join(", "),
                    scope.replace('?', "$3")
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(user_id)
                    .bind(pseudonym)
                    .bind(community_id)
                    .execute(&mut *conn)
                    .await?
            }
        };
        changed.push((table.name, done.rows_affected()));
    }
    Ok(changed)
}

/// The member condition with every `?` as `?1` (the member id).
fn numbered(condition: &str) -> String {
    condition.replace('?', "$1")
}

/// Which id column a name column belongs with: a row's name is the member's when its
/// id column before the name is theirs (`taken_by` then `taken_name`).
fn name_owner(table: &Table) -> String {
    let ids: Vec<String> = table
        .columns
        .iter()
        .filter(|(_, holds)| *holds == Id)
        .map(|(column, _)| format!("{column} = $1"))
        .collect();
    // The last id column before a name is its owner; a table names one person.
    ids.last().cloned().unwrap_or_else(|| "0".into())
}

/// Every table and its columns in the live schema, from `pragma_table_info`.
pub async fn schema(conn: &mut AnyConnection) -> Result<Vec<(String, Vec<String>)>, StoreError> {
    let tables = super::schema::describe(conn).await?;
    Ok(tables
        .into_iter()
        .map(|(name, shape)| {
            (
                name,
                shape.columns.into_iter().map(|column| column.name).collect(),
            )
        })
        .collect())
}

/// Deletes a member's prompt submissions still waiting for review (approved ones stay
/// in their decks, with the submitter forgotten).
pub async fn delete_pending_submissions(
    conn: &mut AnyConnection,
    community_id: &str,
    user_id: &str,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "DELETE FROM prompt WHERE submitted_by = $1 AND state = 'pending'
             AND group_id IN (SELECT id FROM meeting_group WHERE community_id = $2)",
    )
    .bind(user_id)
    .bind(community_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// The names a member is shown by in this community: on answers, in pools, on shifts
/// they took. Read before forgetting, to take them out of sentences kept for others.
pub async fn known_names(
    conn: &mut AnyConnection,
    community_id: &str,
    user_id: &str,
) -> Result<Vec<String>, StoreError> {
    let names: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT display_name FROM rsvp WHERE user_id = $1 AND {rsvp}
         UNION SELECT display_name FROM series_rsvp WHERE user_id = $1 AND {series}
         UNION SELECT display_name FROM rota_facilitator WHERE user_id = $1 AND {group}
         UNION SELECT taken_name FROM rota_offer WHERE taken_by = $1 AND {rsvp}",
        rsvp = Scope::Session.condition().replace('?', "$2"),
        series = Scope::Series.condition().replace('?', "$2"),
        group = Scope::Group.condition().replace('?', "$2"),
    )))
    .bind(user_id)
    .bind(community_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(names
        .into_iter()
        .filter(|n| n.trim().chars().count() >= 2)
        .collect())
}

/// Takes a forgotten member's names out of the rota notes kept for other members
/// ("Ash has taken your shift" becomes "A facilitator has taken your shift").
pub async fn redact_names(
    conn: &mut AnyConnection,
    community_id: &str,
    names: &[String],
) -> Result<u64, StoreError> {
    let mut changed = 0;
    for name in names {
        let done = sqlx::query(
            "UPDATE job SET payload = REPLACE(payload, $1, 'A facilitator')
             WHERE community_id = $2 AND kind = 'rota-note' AND REPLACE(payload, $1, '') != payload",
        )
        .bind(name)
        .bind(community_id)
        .execute(&mut *conn)
        .await?;
        changed += done.rows_affected();
    }
    Ok(changed)
}
