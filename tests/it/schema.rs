//! The PostgreSQL migrations are kept in step with SQLite's: after each backend's
//! migrations, the two have the same tables, the same columns in the same order with
//! the same kinds and NULL rules, and the same indexes.

use hearth::store::schema::describe;

use crate::support::{postgres_server, test_db};

#[tokio::test]
async fn both_backends_migrate_to_the_same_tables_columns_and_indexes() {
    let Some(_) = postgres_server() else {
        // The SQLite run has nothing to compare with: the PostgreSQL run of the suite
        // (HEARTH_TEST_POSTGRES, as .ci/run sets it) checks this.
        eprintln!("HEARTH_TEST_POSTGRES is not set: the schema comparison runs in the PostgreSQL pass");
        return;
    };
    let sqlite = hearth::store::open_in_memory().await.expect("in-memory database");
    hearth::store::migrate(&sqlite).await.expect("SQLite migrations");
    let postgres = test_db().await;
    let mut sqlite = sqlite.acquire().await.expect("a SQLite connection");
    let mut postgres = postgres.acquire().await.expect("a PostgreSQL connection");
    let on_sqlite = describe(&mut sqlite).await.expect("SQLite's schema");
    let on_postgres = describe(&mut postgres).await.expect("PostgreSQL's schema");

    assert!(
        on_sqlite.len() > 30,
        "SQLite lists too few tables: {:?}",
        on_sqlite.keys()
    );
    let only_sqlite: Vec<_> = on_sqlite
        .keys()
        .filter(|t| !on_postgres.contains_key(*t))
        .collect();
    let only_postgres: Vec<_> = on_postgres
        .keys()
        .filter(|t| !on_sqlite.contains_key(*t))
        .collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "tables only on SQLite: {only_sqlite:?}; only on PostgreSQL: {only_postgres:?}"
    );
    for (table, shape) in &on_sqlite {
        let other = &on_postgres[table];
        assert_eq!(
            shape.columns, other.columns,
            "the columns of {table} differ (left SQLite, right PostgreSQL)"
        );
        assert_eq!(
            shape.indexes, other.indexes,
            "the indexes of {table} differ (left SQLite, right PostgreSQL)"
        );
    }
}
