//! Durable state in SQLite (sqlx, WAL): conversations, skill kv, notifications.
//!
//! Everything above this module sees only [`Store`]'s methods, never SQL, so another database can
//! stand behind the same interface later. A method returns only once its write is committed.

use std::path::Path;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::Row;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

/// Errors from the store; callers above turn them into their own layer's errors.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// A message as stored.
#[derive(Debug, Clone)]
pub struct StoredMessage {
    pub role: String,
    pub text: String,
    pub tools_used: Vec<String>,
    pub tier: Option<String>,
    pub created_at_ms: i64,
}

/// A notification as stored; `id` increases with every new one.
#[derive(Debug, Clone)]
pub struct StoredNotification {
    pub id: i64,
    pub source: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub data: Option<String>,
    pub created_at_ms: i64,
}

/// The database handle; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Store> {
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(std::time::Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Store { pool })
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Appends one exchange (the user's message and the assistant's reply) to a conversation,
    /// creating the conversation if it is new, in one transaction.
    pub async fn append_exchange(
        &self,
        conversation_id: &str,
        user_text: &str,
        reply_text: &str,
        tools_used: &[String],
        tier: &str,
    ) -> Result<()> {
        let now = now_ms();
        let tools = serde_json::to_string(tools_used).unwrap_or_else(|_| "[]".into());
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO conversations (id, created_at, updated_at) VALUES (?1, ?2, ?2)
             ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at",
        )
        .bind(conversation_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO messages (conversation_id, role, text, created_at) VALUES (?1, 'user', ?2, ?3)",
        )
        .bind(conversation_id)
        .bind(user_text)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO messages (conversation_id, role, text, tools_used, tier, created_at)
             VALUES (?1, 'assistant', ?2, ?3, ?4, ?5)",
        )
        .bind(conversation_id)
        .bind(reply_text)
        .bind(tools)
        .bind(tier)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The messages of a conversation, oldest first; empty when it does not exist.
    pub async fn messages(&self, conversation_id: &str) -> Result<Vec<StoredMessage>> {
        let rows = sqlx::query(
            "SELECT role, text, tools_used, tier, created_at FROM messages
             WHERE conversation_id = ?1 ORDER BY id",
        )
        .bind(conversation_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| StoredMessage {
                role: r.get("role"),
                text: r.get("text"),
                tools_used: serde_json::from_str(r.get::<&str, _>("tools_used"))
                    .unwrap_or_default(),
                tier: r.get("tier"),
                created_at_ms: r.get("created_at"),
            })
            .collect())
    }

    /// Reads a skill's kv value.
    pub async fn kv_get(&self, skill: &str, key: &str) -> Result<Option<Vec<u8>>> {
        let row = sqlx::query("SELECT value FROM kv WHERE skill = ?1 AND key = ?2")
            .bind(skill)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.get("value")))
    }

    /// Writes a skill's kv value.
    pub async fn kv_set(&self, skill: &str, key: &str, value: &[u8]) -> Result<()> {
        sqlx::query(
            "INSERT INTO kv (skill, key, value, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(skill, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(skill)
        .bind(key)
        .bind(value)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Deletes a skill's kv value.
    pub async fn kv_delete(&self, skill: &str, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM kv WHERE skill = ?1 AND key = ?2")
            .bind(skill)
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A skill's keys that start with `prefix`, sorted.
    pub async fn kv_keys(&self, skill: &str, prefix: &str) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT key FROM kv WHERE skill = ?1 AND substr(key, 1, length(?2)) = ?2 ORDER BY key",
        )
        .bind(skill)
        .bind(prefix)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|r| r.get("key")).collect())
    }

    /// Whether the operator disabled the skill `name`.
    pub async fn skill_disabled(&self, name: &str) -> Result<bool> {
        let row = sqlx::query("SELECT disabled FROM skill_state WHERE name = ?1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some_and(|r| r.get::<i64, _>("disabled") != 0))
    }

    /// Records whether the skill `name` is disabled.
    pub async fn set_skill_disabled(&self, name: &str, disabled: bool) -> Result<()> {
        sqlx::query(
            "INSERT INTO skill_state (name, disabled) VALUES (?1, ?2)
             ON CONFLICT(name) DO UPDATE SET disabled = excluded.disabled",
        )
        .bind(name)
        .bind(disabled as i64)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Opens a private in-memory database, for tools that run skills without a server.
    pub async fn open_in_memory() -> Result<Store> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")?;
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Store { pool })
    }

    /// Stores a notification and returns it with its id.
    pub async fn insert_notification(
        &self,
        source: &str,
        kind: &str,
        title: &str,
        body: &str,
        data: Option<&str>,
    ) -> Result<StoredNotification> {
        let created_at_ms = now_ms();
        let id = sqlx::query(
            "INSERT INTO notifications (source, kind, title, body, data, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .bind(source)
        .bind(kind)
        .bind(title)
        .bind(body)
        .bind(data)
        .bind(created_at_ms)
        .execute(&self.pool)
        .await?
        .last_insert_rowid();
        Ok(StoredNotification {
            id,
            source: source.into(),
            kind: kind.into(),
            title: title.into(),
            body: body.into(),
            data: data.map(Into::into),
            created_at_ms,
        })
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
