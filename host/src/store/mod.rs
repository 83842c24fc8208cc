//! Durable state in SQLite (sqlx, WAL): conversations, skill kv, notifications, paired devices,
//! the user's routing corrections, the channels' linked chats and inbox.
//!
//! Everything above this module sees only [`Store`]'s methods, never SQL, so another database can
//! stand behind the same interface later. A method returns only once its write is committed.

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{QueryBuilder, Row, Sqlite};
use tokio::sync::{mpsc, oneshot};

mod channels;
pub use channels::{InboxItem, StoredLink};

/// Errors from the store; callers above turn them into their own layer's errors.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("the database is closed")]
    Closed,
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

/// A conversation as listed: its times, how many messages it has, and its newest message.
#[derive(Debug, Clone)]
pub struct ConversationSummary {
    pub id: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub message_count: u64,
    pub last_message: StoredMessage,
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
    /// When the user read it, if they did.
    pub read_at_ms: Option<i64>,
    /// Delivered during quiet hours (or a system event): show it without a sound.
    pub silent: bool,
}

impl StoredNotification {
    /// The event type clients filter on: `skill.<name>.<kind>` or `system.<kind>`.
    pub fn event_type(&self) -> String {
        format!("{}.{}", self.source, self.kind)
    }
}

/// A paired device as stored: never its token, only the token's SHA-256 in hex.
#[derive(Debug, Clone)]
pub struct StoredDevice {
    pub id: String,
    pub name: String,
    pub token_hash: String,
    pub created_at_ms: i64,
    pub last_seen_ms: Option<i64>,
}

/// A routed command with its arguments: one waiting for the user's yes or no, or the last one a
/// conversation ran.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandCall {
    pub skill: String,
    pub command: String,
    pub args: serde_json::Value,
    pub locale: String,
}

/// A routing correction as stored: "this message means that command".
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCorrection {
    pub id: i64,
    pub utterance: String,
    /// `skill.command`.
    pub command: String,
    /// A JSON object.
    pub args: serde_json::Value,
    pub created_at_ms: i64,
}

/// A correction to store.
#[derive(Debug, Clone, Copy)]
pub struct NewCorrection<'a> {
    /// The message normalised; a correction with the same key is replaced.
    pub key: &'a str,
    pub utterance: &'a str,
    pub command: &'a str,
    pub args: &'a serde_json::Value,
}

/// A notification to store.
#[derive(Debug, Clone, Copy)]
pub struct NewNotification<'a> {
    /// `skill.<name>` or `system`.
    pub source: &'a str,
    pub kind: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    /// JSON text.
    pub data: Option<&'a str>,
}

const NOTIFICATION_COLUMNS: &str =
    "id, source, kind, title, body, data, created_at, read_at, silent";

fn notification_from_row(row: &SqliteRow) -> StoredNotification {
    StoredNotification {
        id: row.get("id"),
        source: row.get("source"),
        kind: row.get("kind"),
        title: row.get("title"),
        body: row.get("body"),
        data: row.get("data"),
        created_at_ms: row.get("created_at"),
        read_at_ms: row.get("read_at"),
        silent: row.get("silent"),
    }
}

/// A command call from a row with `skill, command, args, locale`.
fn call_from_row(row: &SqliteRow) -> CommandCall {
    CommandCall {
        skill: row.get("skill"),
        command: row.get("command"),
        args: serde_json::from_str(row.get::<&str, _>("args")).unwrap_or_default(),
        locale: row.get("locale"),
    }
}

/// The database handle; cheap to clone.
///
/// Reads go through a small pool. Every write goes through one connection, so writers queue
/// in order here instead of contending for SQLite's write lock (whose busy handler waits in
/// growing sleeps). Chat turns, the one write on every message, are group-committed: the turns
/// that arrive while one commit is being synced are written together in the next one.
#[derive(Debug, Clone)]
pub struct Store {
    reads: SqlitePool,
    writes: SqlitePool,
    turns: mpsc::UnboundedSender<TurnJob>,
    /// The folder of the database file, whose filesystem's free space kv writes check; none
    /// for an in-memory store.
    dir: Option<Arc<Path>>,
    /// What each skill's kv holds, by skill, counted from the table on first use and kept up
    /// to date by every kv write. The lock also serialises kv writes, so that a quota is never
    /// passed by two writes at once.
    kv_usage: Arc<tokio::sync::Mutex<HashMap<String, KvUsage>>>,
}

/// What one skill keeps in its kv store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KvUsage {
    /// Bytes of its keys and values together.
    pub bytes: u64,
    pub keys: u64,
}

/// What a skill's kv writes must stay within.
#[derive(Debug, Clone, Copy)]
pub struct KvQuota {
    pub max_bytes: u64,
    pub max_keys: u64,
    /// Writes are refused while the database's filesystem has less free space than this.
    pub min_free_bytes: u64,
}

/// Why a kv write was refused.
#[derive(Debug, thiserror::Error)]
pub enum KvRefusal {
    /// The write would pass a quota, or the disk is nearly full; the message names which.
    #[error("{0}")]
    Limit(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One answered message as it is saved: the exchange, and what it leaves in the conversation.
#[derive(Debug, Clone)]
pub struct TurnRecord {
    pub conversation_id: String,
    pub user_text: String,
    pub reply_text: String,
    pub tools_used: Vec<String>,
    pub tier: &'static str,
    /// The command the turn ran, kept for follow-ups.
    pub last_command: Option<CommandCall>,
    /// The command the turn asked to confirm, kept until the user answers.
    pub pending: Option<CommandCall>,
}

/// A turn to write, when it was answered, and who waits for its commit.
type TurnJob = (TurnRecord, i64, oneshot::Sender<Result<()>>);

/// The most turns one commit writes.
const MAX_TURNS_PER_COMMIT: usize = 256;

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
        let writes = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations").run(&writes).await?;
        let reads = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.read_only(true))
            .await?;
        let dir = path.parent().map(|p| {
            if p.as_os_str().is_empty() {
                Path::new(".")
            } else {
                p
            }
        });
        Ok(Store::with_pools(reads, writes, dir.map(Arc::from)))
    }

    fn with_pools(reads: SqlitePool, writes: SqlitePool, dir: Option<Arc<Path>>) -> Store {
        let (turns, jobs) = mpsc::unbounded_channel();
        tokio::spawn(write_turns(writes.clone(), jobs));
        Store {
            reads,
            writes,
            turns,
            dir,
            kv_usage: Arc::default(),
        }
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.reads).await?;
        Ok(())
    }

    /// Saves one answered message: the conversation (created if it is new), the user's message
    /// and the reply, the command the turn ran and the command it asks to confirm. Returns once
    /// they are committed, in one transaction with the turns written at the same moment.
    pub async fn record_turn(&self, turn: TurnRecord) -> Result<()> {
        let (done, committed) = oneshot::channel();
        self.turns
            .send((turn, now_ms(), done))
            .map_err(|_| StoreError::Closed)?;
        committed.await.map_err(|_| StoreError::Closed)?
    }

    /// The messages of a conversation, oldest first; empty when it does not exist.
    pub async fn messages(&self, conversation_id: &str) -> Result<Vec<StoredMessage>> {
        let rows = sqlx::query(
            "SELECT role, text, tools_used, tier, created_at FROM messages
             WHERE conversation_id = ?1 ORDER BY id",
        )
        .bind(conversation_id)
        .fetch_all(&self.reads)
        .await?;
        Ok(rows
            .iter()
            .map(|r| message_from_row(r, "created_at"))
            .collect())
    }

    /// The messages of a conversation, oldest first, or `None` when there is no such
    /// conversation. Both are read from one snapshot, so a conversation deleted meanwhile is
    /// either whole or absent.
    pub async fn conversation_messages(
        &self,
        conversation_id: &str,
    ) -> Result<Option<Vec<StoredMessage>>> {
        let mut tx = self.reads.begin().await?;
        let exists = sqlx::query("SELECT 1 FROM conversations WHERE id = ?1")
            .bind(conversation_id)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if !exists {
            return Ok(None);
        }
        let rows = sqlx::query(
            "SELECT role, text, tools_used, tier, created_at FROM messages
             WHERE conversation_id = ?1 ORDER BY id",
        )
        .bind(conversation_id)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(
            rows.iter()
                .map(|r| message_from_row(r, "created_at"))
                .collect(),
        ))
    }

    /// At most `limit` conversations updated before `before_ms` (all when `None`), most
    /// recently updated first; among equal update times, the one with the newest message first.
    ///
    /// Every conversation has messages: it is created in the same transaction as its first
    /// exchange.
    pub async fn conversations(
        &self,
        before_ms: Option<i64>,
        limit: u32,
    ) -> Result<Vec<ConversationSummary>> {
        let rows = sqlx::query(
            "SELECT c.id, c.created_at, c.updated_at,
                    (SELECT COUNT(*) FROM messages WHERE conversation_id = c.id) AS message_count,
                    m.role, m.text, m.tools_used, m.tier, m.created_at AS message_created_at
             FROM conversations c
             JOIN messages m ON m.id = (SELECT id FROM messages WHERE conversation_id = c.id
                                        ORDER BY id DESC LIMIT 1)
             WHERE c.updated_at < ?1
             ORDER BY c.updated_at DESC, m.id DESC
             LIMIT ?2",
        )
        .bind(before_ms.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(&self.reads)
        .await?;
        Ok(rows
            .iter()
            .map(|r| ConversationSummary {
                id: r.get("id"),
                created_at_ms: r.get("created_at"),
                updated_at_ms: r.get("updated_at"),
                message_count: r.get::<i64, _>("message_count").max(0) as u64,
                last_message: message_from_row(r, "message_created_at"),
            })
            .collect())
    }

    /// Deletes a conversation and its messages; `false` when there was no such conversation.
    pub async fn delete_conversation(&self, conversation_id: &str) -> Result<bool> {
        // Messages go by ON DELETE CASCADE (foreign keys are on for every connection); a
        // command waiting for confirmation goes too, so a later "yes" cannot run it.
        let mut tx = self.writes.begin().await?;
        for table in ["pending_confirmations", "conversation_context"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE conversation_id = ?1"))
                .bind(conversation_id)
                .execute(&mut *tx)
                .await?;
        }
        let deleted = sqlx::query("DELETE FROM conversations WHERE id = ?1")
            .bind(conversation_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(deleted > 0)
    }

    /// Deletes every conversation and its messages; returns how many conversations there were.
    pub async fn delete_all_conversations(&self) -> Result<u64> {
        let mut tx = self.writes.begin().await?;
        for table in ["pending_confirmations", "conversation_context"] {
            sqlx::query(&format!("DELETE FROM {table}"))
                .execute(&mut *tx)
                .await?;
        }
        let deleted = sqlx::query("DELETE FROM conversations")
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(deleted)
    }

    /// Reads a skill's kv value.
    pub async fn kv_get(&self, skill: &str, key: &str) -> Result<Option<Vec<u8>>> {
        let row = sqlx::query("SELECT value FROM kv WHERE skill = ?1 AND key = ?2")
            .bind(skill)
            .bind(key)
            .fetch_optional(&self.reads)
            .await?;
        Ok(row.map(|r| r.get("value")))
    }

    /// Writes a skill's kv value, unless that would take the skill past `quota` or the
    /// database's filesystem has less free space than the quota's floor. A write that does not
    /// grow the skill's storage is allowed even when it is over quota (after a quota was
    /// lowered), so a skill can always clean up.
    pub async fn kv_set(
        &self,
        skill: &str,
        key: &str,
        value: &[u8],
        quota: &KvQuota,
    ) -> std::result::Result<(), KvRefusal> {
        let mut usages = self.kv_usage.lock().await;
        let usage = self.kv_usage_locked(&mut usages, skill).await?;
        let old = self.kv_entry_bytes(skill, key).await?;
        let entry = (key.len() + value.len()) as u64;
        let after = KvUsage {
            bytes: usage.bytes - old.unwrap_or(0).min(usage.bytes) + entry,
            keys: usage.keys + u64::from(old.is_none()),
        };
        if after.keys > quota.max_keys && after.keys > usage.keys {
            return Err(KvRefusal::Limit(format!(
                "the skill's kv store may hold at most {} keys (kv_max_keys) and holds {}; \
                 delete keys before adding more",
                quota.max_keys, usage.keys
            )));
        }
        if after.bytes > quota.max_bytes && after.bytes > usage.bytes {
            return Err(KvRefusal::Limit(format!(
                "the skill's kv store may hold at most {} bytes (kv_max_bytes) and holds {}; \
                 this write of {entry} bytes would pass it",
                quota.max_bytes, usage.bytes
            )));
        }
        if after.bytes > usage.bytes
            && let Some(free) = self.free_bytes()
            && free < quota.min_free_bytes
        {
            return Err(KvRefusal::Limit(format!(
                "the disk of the host's data dir has {} MiB free, under the floor of {} MiB \
                 (min_free_disk_mb) kept for the host's own writes; skill storage is read-only \
                 until space is freed",
                free / (1024 * 1024),
                quota.min_free_bytes / (1024 * 1024)
            )));
        }
        sqlx::query(
            "INSERT INTO kv (skill, key, value, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(skill, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(skill)
        .bind(key)
        .bind(value)
        .bind(now_ms())
        .execute(&self.writes)
        .await
        .map_err(StoreError::from)?;
        usages.insert(skill.to_owned(), after);
        Ok(())
    }

    /// Deletes a skill's kv value.
    pub async fn kv_delete(&self, skill: &str, key: &str) -> Result<()> {
        let mut usages = self.kv_usage.lock().await;
        let usage = self.kv_usage_locked(&mut usages, skill).await?;
        let old = self.kv_entry_bytes(skill, key).await?;
        sqlx::query("DELETE FROM kv WHERE skill = ?1 AND key = ?2")
            .bind(skill)
            .bind(key)
            .execute(&self.writes)
            .await?;
        if let Some(old) = old {
            usages.insert(
                skill.to_owned(),
                KvUsage {
                    bytes: usage.bytes.saturating_sub(old),
                    keys: usage.keys.saturating_sub(1),
                },
            );
        }
        Ok(())
    }

    /// What a skill keeps in its kv store now.
    pub async fn kv_usage(&self, skill: &str) -> Result<KvUsage> {
        let mut usages = self.kv_usage.lock().await;
        self.kv_usage_locked(&mut usages, skill).await
    }

    /// A skill's usage from the cache, counted from the table the first time.
    async fn kv_usage_locked(
        &self,
        usages: &mut HashMap<String, KvUsage>,
        skill: &str,
    ) -> Result<KvUsage> {
        if let Some(usage) = usages.get(skill) {
            return Ok(*usage);
        }
        // length() of a blob reads its size from the record header, not the blob itself.
        let row = sqlx::query(
            "SELECT COUNT(*) AS keys,
                    COALESCE(SUM(length(CAST(key AS BLOB)) + length(value)), 0) AS bytes
             FROM kv WHERE skill = ?1",
        )
        .bind(skill)
        .fetch_one(&self.writes)
        .await?;
        let usage = KvUsage {
            bytes: row.get::<i64, _>("bytes") as u64,
            keys: row.get::<i64, _>("keys") as u64,
        };
        usages.insert(skill.to_owned(), usage);
        Ok(usage)
    }

    /// The bytes one kv entry takes (key and value), if it exists.
    async fn kv_entry_bytes(&self, skill: &str, key: &str) -> Result<Option<u64>> {
        let row = sqlx::query(
            "SELECT length(CAST(key AS BLOB)) + length(value) AS bytes FROM kv
             WHERE skill = ?1 AND key = ?2",
        )
        .bind(skill)
        .bind(key)
        .fetch_optional(&self.writes)
        .await?;
        Ok(row.map(|r| r.get::<i64, _>("bytes") as u64))
    }

    /// Bytes free for an unprivileged writer on the database's filesystem; none for an
    /// in-memory store, or when the filesystem cannot tell.
    fn free_bytes(&self) -> Option<u64> {
        let stat = rustix::fs::statvfs(&**self.dir.as_ref()?).ok()?;
        Some(stat.f_bavail.saturating_mul(stat.f_frsize))
    }

    /// A skill's keys that start with `prefix`, sorted.
    pub async fn kv_keys(&self, skill: &str, prefix: &str) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT key FROM kv WHERE skill = ?1 AND substr(key, 1, length(?2)) = ?2 ORDER BY key",
        )
        .bind(skill)
        .bind(prefix)
        .fetch_all(&self.reads)
        .await?;
        Ok(rows.into_iter().map(|r| r.get("key")).collect())
    }

    /// Takes (reads and removes) the command waiting for confirmation in a conversation. Most
    /// conversations have none, which costs only a read.
    pub async fn take_pending(&self, conversation_id: &str) -> Result<Option<CommandCall>> {
        let waiting = sqlx::query("SELECT 1 FROM pending_confirmations WHERE conversation_id = ?1")
            .bind(conversation_id)
            .fetch_optional(&self.reads)
            .await?;
        if waiting.is_none() {
            return Ok(None);
        }
        let row = sqlx::query(
            "DELETE FROM pending_confirmations WHERE conversation_id = ?1
             RETURNING skill, command, args, locale",
        )
        .bind(conversation_id)
        .fetch_optional(&self.writes)
        .await?;
        Ok(row.as_ref().map(call_from_row))
    }

    /// The last command a conversation ran, if any.
    pub async fn last_command(&self, conversation_id: &str) -> Result<Option<CommandCall>> {
        let row = sqlx::query(
            "SELECT skill, command, args, locale FROM conversation_context WHERE conversation_id = ?1",
        )
        .bind(conversation_id)
        .fetch_optional(&self.reads)
        .await?;
        Ok(row.as_ref().map(call_from_row))
    }

    /// Whether the operator disabled the skill `name`.
    pub async fn skill_disabled(&self, name: &str) -> Result<bool> {
        let row = sqlx::query("SELECT disabled FROM skill_state WHERE name = ?1")
            .bind(name)
            .fetch_optional(&self.reads)
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
        .execute(&self.writes)
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
        Ok(Store::with_pools(pool.clone(), pool, None))
    }

    /// Stores a notification unless one with the same `key` from the same source exists; returns
    /// the notification and whether it is new.
    pub async fn insert_notification_once(
        &self,
        new: &NewNotification<'_>,
        key: Option<&str>,
        silent: bool,
    ) -> Result<(StoredNotification, bool)> {
        let created_at_ms = now_ms();
        let inserted = sqlx::query(
            "INSERT INTO notifications (source, kind, title, body, data, created_at, dedupe_key, silent)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (source, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING",
        )
        .bind(new.source)
        .bind(new.kind)
        .bind(new.title)
        .bind(new.body)
        .bind(new.data)
                .bind(created_at_ms)
        .bind(key)
        .bind(silent)
        .execute(&self.writes)
        .await?;
        if inserted.rows_affected() == 1 {
            let id = inserted.last_insert_rowid();
            return Ok((
                self.notification(id).await?.expect("the row just inserted"),
                true,
            ));
        }
        let row = sqlx::query(&format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM notifications WHERE source = ?1 AND dedupe_key = ?2"
        ))
        .bind(new.source)
        .bind(key)
        .fetch_one(&self.writes)
        .await?;
        Ok((notification_from_row(&row), false))
    }

    /// The newest notification's id, 0 when there is none.
    pub async fn last_notification_id(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COALESCE(MAX(id), 0) AS id FROM notifications")
            .fetch_one(&self.reads)
            .await?;
        Ok(row.get("id"))
    }

    /// How many conversations there are, and how many notifications each source (`system` or
    /// a skill) has stored, for the status and the metrics.
    pub async fn counts(&self) -> Result<(u64, Vec<(String, u64)>)> {
        let conversations = sqlx::query("SELECT COUNT(*) AS n FROM conversations")
            .fetch_one(&self.reads)
            .await?
            .get::<i64, _>("n");
        let rows = sqlx::query(
            "SELECT source, COUNT(*) AS n FROM notifications GROUP BY source ORDER BY source",
        )
        .fetch_all(&self.reads)
        .await?;
        let notifications = rows
            .iter()
            .map(|r| (r.get("source"), r.get::<i64, _>("n").max(0) as u64))
            .collect();
        Ok((conversations.max(0) as u64, notifications))
    }

    /// How many notifications `source` stored in the last hour.
    pub async fn notifications_in_last_hour(&self, source: &str) -> Result<u64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM notifications WHERE source = ?1 AND created_at > ?2",
        )
        .bind(source)
        .bind(now_ms() - 3_600_000)
        .fetch_one(&self.reads)
        .await?;
        Ok(row.get::<i64, _>("n") as u64)
    }

    /// Notifications with an id above `after`, oldest first, at most `limit`.
    pub async fn notifications_after(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<StoredNotification>> {
        let rows = sqlx::query(&format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM notifications WHERE id > ?1 ORDER BY id LIMIT ?2"
        ))
        .bind(after)
        .bind(limit)
        .fetch_all(&self.reads)
        .await?;
        Ok(rows.iter().map(notification_from_row).collect())
    }

    /// The inbox, newest first: at most `limit` notifications below id `before` (all when
    /// `None`), only unread ones when `unread_only`.
    pub async fn notification_history(
        &self,
        unread_only: bool,
        types: &[String],
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<StoredNotification>> {
        let mut query = sqlx::QueryBuilder::new(format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM notifications WHERE id < "
        ));
        query.push_bind(before.unwrap_or(i64::MAX));
        if unread_only {
            query.push(" AND read_at IS NULL");
        }
        if !types.is_empty() {
            query.push(" AND (");
            for (i, t) in types.iter().enumerate() {
                if i > 0 {
                    query.push(" OR ");
                }
                query.push("source || '.' || kind = ").push_bind(t.clone());
                query
                    .push(" OR substr(source || '.' || kind, 1, ")
                    .push_bind(t.len() as i64 + 1);
                query.push(") = ").push_bind(format!("{t}."));
            }
            query.push(")");
        }
        query.push(" ORDER BY id DESC LIMIT ").push_bind(limit);
        let rows = query.build().fetch_all(&self.reads).await?;
        Ok(rows.iter().map(notification_from_row).collect())
    }

    /// Marks one notification read; `None` when there is no such notification.
    pub async fn mark_notification_read(&self, id: i64) -> Result<Option<StoredNotification>> {
        sqlx::query("UPDATE notifications SET read_at = ?2 WHERE id = ?1 AND read_at IS NULL")
            .bind(id)
            .bind(now_ms())
            .execute(&self.writes)
            .await?;
        self.notification(id).await
    }

    /// Marks every notification read; returns how many were unread.
    pub async fn mark_all_notifications_read(&self) -> Result<u64> {
        let done = sqlx::query("UPDATE notifications SET read_at = ?1 WHERE read_at IS NULL")
            .bind(now_ms())
            .execute(&self.writes)
            .await?;
        Ok(done.rows_affected())
    }

    /// One notification by id.
    pub async fn notification(&self, id: i64) -> Result<Option<StoredNotification>> {
        let row = sqlx::query(&format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM notifications WHERE id = ?1"
        ))
        .bind(id)
        .fetch_optional(&self.reads)
        .await?;
        Ok(row.as_ref().map(notification_from_row))
    }

    /// Stores a newly paired device.
    pub async fn insert_device(&self, device: &StoredDevice) -> Result<()> {
        sqlx::query(
            "INSERT INTO devices (id, name, token_hash, created_at, last_seen) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .bind(&device.id)
        .bind(&device.name)
        .bind(&device.token_hash)
        .bind(device.created_at_ms)
        .bind(device.last_seen_ms)
        .execute(&self.writes)
        .await?;
        Ok(())
    }

    /// Every paired device, oldest first.
    pub async fn devices(&self) -> Result<Vec<StoredDevice>> {
        let rows = sqlx::query(
            "SELECT id, name, token_hash, created_at, last_seen FROM devices ORDER BY created_at, id",
        )
        .fetch_all(&self.reads)
        .await?;
        Ok(rows
            .iter()
            .map(|r| StoredDevice {
                id: r.get("id"),
                name: r.get("name"),
                token_hash: r.get("token_hash"),
                created_at_ms: r.get("created_at"),
                last_seen_ms: r.get("last_seen"),
            })
            .collect())
    }

    /// Forgets a device; `false` when there was no such device.
    pub async fn delete_device(&self, id: &str) -> Result<bool> {
        let deleted = sqlx::query("DELETE FROM devices WHERE id = ?1")
            .bind(id)
            .execute(&self.writes)
            .await?
            .rows_affected();
        Ok(deleted > 0)
    }

    /// Records when a device last used its token.
    pub async fn touch_device(&self, id: &str, at_ms: i64) -> Result<()> {
        sqlx::query(
            "UPDATE devices SET last_seen = ?2 WHERE id = ?1 AND COALESCE(last_seen, 0) < ?2",
        )
        .bind(id)
        .bind(at_ms)
        .execute(&self.writes)
        .await?;
        Ok(())
    }

    /// Stores a correction, replacing one with the same key, unless `max` others exist already;
    /// `None` when the store is full.
    pub async fn insert_correction(
        &self,
        correction: NewCorrection<'_>,
        max: u64,
    ) -> Result<Option<StoredCorrection>> {
        let created_at = now_ms();
        let mut tx = self.writes.begin().await?;
        sqlx::query("DELETE FROM corrections WHERE key = ?1")
            .bind(correction.key)
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query(
            "INSERT INTO corrections (key, utterance, command, args, created_at) \
             SELECT ?1, ?2, ?3, ?4, ?5 WHERE (SELECT COUNT(*) FROM corrections) < ?6 \
             RETURNING id",
        )
        .bind(correction.key)
        .bind(correction.utterance)
        .bind(correction.command)
        .bind(correction.args.to_string())
        .bind(created_at)
        .bind(max as i64)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        tx.commit().await?;
        Ok(Some(StoredCorrection {
            id: row.get("id"),
            utterance: correction.utterance.to_owned(),
            command: correction.command.to_owned(),
            args: correction.args.clone(),
            created_at_ms: created_at,
        }))
    }

    /// Every correction, oldest first.
    pub async fn corrections(&self) -> Result<Vec<StoredCorrection>> {
        let rows = sqlx::query(
            "SELECT id, utterance, command, args, created_at FROM corrections ORDER BY id",
        )
        .fetch_all(&self.reads)
        .await?;
        Ok(rows
            .iter()
            .map(|r| StoredCorrection {
                id: r.get("id"),
                utterance: r.get("utterance"),
                command: r.get("command"),
                args: serde_json::from_str(r.get::<&str, _>("args")).unwrap_or_default(),
                created_at_ms: r.get("created_at"),
            })
            .collect())
    }

    /// Forgets a correction; `false` when there was no such correction.
    pub async fn delete_correction(&self, id: i64) -> Result<bool> {
        let deleted = sqlx::query("DELETE FROM corrections WHERE id = ?1")
            .bind(id)
            .execute(&self.writes)
            .await?
            .rows_affected();
        Ok(deleted > 0)
    }

    /// Waits for the connections in use, then closes them all; SQLite folds the write-ahead log
    /// into the database as the last one closes. Nothing can use the store afterwards.
    pub async fn close(&self) {
        self.reads.close().await;
        self.writes.close().await;
    }
}

/// The turn writer: takes every turn waiting, writes them in one transaction, and answers each
/// after the commit. A failed batch is written again turn by turn, so one bad turn fails alone.
async fn write_turns(writes: SqlitePool, mut jobs: mpsc::UnboundedReceiver<TurnJob>) {
    let mut batch = Vec::new();
    while jobs.recv_many(&mut batch, MAX_TURNS_PER_COMMIT).await > 0 {
        let turns: Vec<(&TurnRecord, i64)> =
            batch.iter().map(|(turn, at, _)| (turn, *at)).collect();
        match insert_turns(&writes, &turns).await {
            Ok(()) => {
                for (_, _, done) in batch.drain(..) {
                    let _ = done.send(Ok(()));
                }
            }
            Err(e) if batch.len() == 1 => {
                if let Some((_, _, done)) = batch.pop() {
                    let _ = done.send(Err(e));
                }
            }
            Err(_) => {
                for (turn, at, done) in batch.drain(..) {
                    let _ = done.send(insert_turns(&writes, &[(&turn, at)]).await);
                }
            }
        }
    }
}

/// Writes turns (each with the time it was answered) in one transaction of at most four
/// statements, however many turns there are.
async fn insert_turns(writes: &SqlitePool, turns: &[(&TurnRecord, i64)]) -> Result<()> {
    let mut tx = writes.begin().await?;
    QueryBuilder::<Sqlite>::new("INSERT INTO conversations (id, created_at, updated_at) ")
        .push_values(turns, |mut row, (turn, at)| {
            row.push_bind(&turn.conversation_id)
                .push_bind(at)
                .push_bind(at);
        })
        .push(" ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at")
        .build()
        .execute(&mut *tx)
        .await?;
    let messages = turns.iter().flat_map(|(turn, at)| {
        let tools = serde_json::to_string(&turn.tools_used).unwrap_or_else(|_| "[]".into());
        [
            (turn, "user", &turn.user_text, "[]".to_owned(), None, *at),
            (
                turn,
                "assistant",
                &turn.reply_text,
                tools,
                Some(turn.tier),
                *at,
            ),
        ]
    });
    QueryBuilder::<Sqlite>::new(
        "INSERT INTO messages (conversation_id, role, text, tools_used, tier, created_at) ",
    )
    .push_values(messages, |mut row, (turn, role, text, tools, tier, at)| {
        row.push_bind(&turn.conversation_id)
            .push_bind(role)
            .push_bind(text)
            .push_bind(tools)
            .push_bind(tier)
            .push_bind(at);
    })
    .build()
    .execute(&mut *tx)
    .await?;
    for table in [CallTable::LastCommand, CallTable::Pending] {
        let calls: Vec<(&str, &CommandCall, i64)> = turns
            .iter()
            .filter_map(|(turn, at)| {
                let call = match table {
                    CallTable::LastCommand => turn.last_command.as_ref(),
                    CallTable::Pending => turn.pending.as_ref(),
                };
                call.map(|call| (turn.conversation_id.as_str(), call, *at))
            })
            .collect();
        if !calls.is_empty() {
            put_calls(&mut tx, table, &calls).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The two tables that hold one command per conversation.
#[derive(Debug, Clone, Copy)]
enum CallTable {
    /// `conversation_context`: the last command a conversation ran.
    LastCommand,
    /// `pending_confirmations`: the command waiting for the user's yes or no.
    Pending,
}

/// Stores each call as the one row of its conversation in `table`, replacing any earlier one
/// (of two calls for one conversation, the later one stays).
async fn put_calls(
    conn: &mut sqlx::SqliteConnection,
    table: CallTable,
    calls: &[(&str, &CommandCall, i64)],
) -> Result<()> {
    let (table, time_column) = match table {
        CallTable::LastCommand => ("conversation_context", "updated_at"),
        CallTable::Pending => ("pending_confirmations", "created_at"),
    };
    QueryBuilder::<Sqlite>::new(format!(
        "INSERT INTO {table} (conversation_id, skill, command, args, locale, {time_column}) "
    ))
    .push_values(calls, |mut row, (conversation_id, call, at)| {
        row.push_bind(*conversation_id)
            .push_bind(&call.skill)
            .push_bind(&call.command)
            .push_bind(call.args.to_string())
            .push_bind(&call.locale)
            .push_bind(*at);
    })
    .push(format!(
        " ON CONFLICT(conversation_id) DO UPDATE SET skill = excluded.skill, command = excluded.command,
             args = excluded.args, locale = excluded.locale, {time_column} = excluded.{time_column}"
    ))
    .build()
    .execute(conn)
    .await?;
    Ok(())
}

/// A message from a row with `role, text, tools_used, tier` and its time in `created_at_column`.
fn message_from_row(row: &SqliteRow, created_at_column: &str) -> StoredMessage {
    StoredMessage {
        role: row.get("role"),
        text: row.get("text"),
        tools_used: serde_json::from_str(row.get::<&str, _>("tools_used")).unwrap_or_default(),
        tier: row.get("tier"),
        created_at_ms: row.get(created_at_column),
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn corrections_are_bounded_and_a_new_one_replaces_the_same_message() {
        let store = Store::open_in_memory().await.unwrap();
        let args = serde_json::json!({});
        let new = |key: &'static str| NewCorrection {
            key,
            utterance: key,
            command: "clock.now",
            args: &args,
        };
        let first = store.insert_correction(new("a"), 2).await.unwrap().unwrap();
        store.insert_correction(new("b"), 2).await.unwrap().unwrap();
        assert_eq!(store.insert_correction(new("c"), 2).await.unwrap(), None);
        // The same message replaces its correction, even when the store is full.
        let again = store.insert_correction(new("a"), 2).await.unwrap().unwrap();
        assert_ne!(again.id, first.id);
        let all = store.corrections().await.unwrap();
        let keys: Vec<&str> = all.iter().map(|c| c.utterance.as_str()).collect();
        assert_eq!(keys, ["b", "a"]);
        assert!(store.delete_correction(again.id).await.unwrap());
        assert!(!store.delete_correction(again.id).await.unwrap());
        assert_eq!(store.corrections().await.unwrap().len(), 1);
    }
}
