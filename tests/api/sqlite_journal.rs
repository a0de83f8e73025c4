//! SQLite's savepoint sub-journal on the writer: kept in memory up to a threshold, then
//! spilled to a temporary file in one write. SQLite's unix layer never writes 128 KiB or
//! more in one call (it masks the length to 17 bits), so a threshold at or above that made
//! the spill a write of nothing, answered as "database or disk is full": under load on a
//! large database, a lead now and then, and a background job, failed that way.

use fission::config::DatabaseUrl;
use fission::db::Db;
use sqlx::{Connection, Executor};

/// Pages this test changes inside one savepoint: 1.6 MB of original pages, past any
/// in-memory threshold, so the sub-journal spills.
const ROWS: i64 = 400;

#[tokio::test]
async fn a_savepoint_whose_journal_outgrows_memory_still_commits() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("journal.db").display());
    let db = Db::connect(&DatabaseUrl::parse(&url).unwrap(), 2)
        .await
        .unwrap();
    let Db::Sqlite { writer, .. } = &db else {
        unreachable!("a SQLite URL opens SQLite")
    };
    let mut conn = writer.acquire().await.unwrap();
    conn.execute("CREATE TABLE pages (id INTEGER PRIMARY KEY, body BLOB NOT NULL)")
        .await
        .unwrap();
    // One row a page: every row changed below is a page journaled.
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
         INSERT INTO pages (id, body) SELECT i, randomblob(3000) FROM n",
    )
    .bind(ROWS)
    .execute(&mut *conn)
    .await
    .unwrap();

    let mut tx = conn.begin().await.unwrap();
    let mut savepoint = tx.begin().await.unwrap();
    let changed = sqlx::query("UPDATE pages SET body = randomblob(3000)")
        .execute(&mut *savepoint)
        .await
        .expect("changing more pages than the sub-journal keeps in memory");
    assert_eq!(changed.rows_affected(), ROWS as u64);
    savepoint.commit().await.unwrap();
    tx.commit().await.unwrap();

    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pages WHERE length(body) = 3000")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(n, ROWS);
}
