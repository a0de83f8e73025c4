//! PostgreSQL's planner statistics on a new database: a table is analysed once a few
//! hundred of its rows have changed, not left to autovacuum's next pass.

use std::time::{Duration, Instant};

use sqlx::Connection;

use crate::both_backends;
use crate::helpers::Backend;

/// `pg_class.reltuples` of a table in the test's schema: -1 until it is first analysed.
async fn reltuples(conn: &mut sqlx::PgConnection, table: &str) -> f32 {
    sqlx::query_scalar(
        "SELECT reltuples FROM pg_class WHERE relname = $1 AND relnamespace = current_schema()::regnamespace",
    )
    .bind(table)
    .fetch_one(conn)
    .await
    .unwrap()
}

both_backends! {
    async fn a_table_filling_up_is_analysed_once_it_has_rows_enough(app: TestApp) {
        if app.backend == Backend::Sqlite {
            // SQLite's statistics are kept by `PRAGMA optimize` (Db::optimize).
            assert!(app.state.db.analyze_new_tables().await.unwrap().is_empty());
            return;
        }
        let rows = fission::db::FIRST_ANALYZE_ROWS + 100;
        let mut conn = sqlx::PgConnection::connect(&app.database_url).await.unwrap();
        for (table, n) in [("filling", rows), ("quiet", 10)] {
            // Autovacuum kept off them: only the server can analyse them here.
            sqlx::query(&format!("CREATE TABLE {table} (n BIGINT PRIMARY KEY) WITH (autovacuum_enabled = false)"))
                .execute(&mut conn)
                .await
                .unwrap();
            sqlx::query(&format!("INSERT INTO {table} SELECT generate_series(1, $1)"))
                .bind(n)
                .execute(&mut conn)
                .await
                .unwrap();
            assert_eq!(reltuples(&mut conn, table).await, -1.0, "{table} starts without statistics");
        }
        // The inserting session's counts reach the statistics views now, not within a second.
        sqlx::query("SELECT pg_stat_force_next_flush()").execute(&mut conn).await.unwrap();
        sqlx::query("SELECT 1").execute(&mut conn).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while reltuples(&mut conn, "filling").await != rows as f32 {
            assert!(Instant::now() < deadline, "the filling table was never analysed");
            app.state.db.analyze_new_tables().await.unwrap();
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Analysed once: from now on it is autovacuum's.
        let again = app.state.db.analyze_new_tables().await.unwrap();
        assert!(!again.contains(&"filling".to_owned()), "{again:?}");
        assert_eq!(reltuples(&mut conn, "quiet").await, -1.0, "a table with few changes is left alone");
    }
}
