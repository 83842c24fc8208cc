//! The channels' durable state: linked chats, the inbox of everything received (kept before it
//! is acknowledged, answered once), and cursors such as Telegram's offset.

use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::{Result, Store, now_ms};

/// How long an answered inbox entry is kept to recognise a redelivery: WhatsApp retries for up
/// to seven days.
const KEEP_DONE_MS: i64 = 8 * 24 * 3_600_000;

/// A chat linked to Bantz.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredLink {
    pub id: String,
    /// `telegram` or `whatsapp`.
    pub channel: String,
    /// The chat's id on its messenger (a Telegram chat id, a WhatsApp number).
    pub chat_id: String,
    pub name: String,
    /// The brain conversation the chat talks in.
    pub conversation_id: String,
    /// The language of the chat's last answer (`tr` or `en`).
    pub locale: String,
    pub created_at_ms: i64,
}

/// Something a channel received, waiting to be answered (or half answered).
#[derive(Debug, Clone)]
pub struct InboxItem {
    pub id: i64,
    pub channel: String,
    pub key: String,
    /// The received JSON, as it came.
    pub payload: String,
    /// What to send back, once decided (JSON).
    pub reply: Option<String>,
    /// How many parts of `reply` have been sent.
    pub sent: i64,
}

fn link_from_row(r: &SqliteRow) -> StoredLink {
    StoredLink {
        id: r.get("id"),
        channel: r.get("channel"),
        chat_id: r.get("chat_id"),
        name: r.get("name"),
        conversation_id: r.get("conversation_id"),
        locale: r.get("locale"),
        created_at_ms: r.get("created_at"),
    }
}

const LINK_COLUMNS: &str = "id, channel, chat_id, name, conversation_id, locale, created_at";

impl Store {
    /// Keeps what a channel received, each entry once by its key, and moves `cursor` (e.g.
    /// Telegram's next offset) in the same commit; returns how many entries were new.
    pub async fn channel_receive(
        &self,
        channel: &str,
        entries: &[(String, String)],
        cursor: Option<(&str, i64)>,
    ) -> Result<usize> {
        let now = now_ms();
        let mut tx = self.writes.begin().await?;
        let mut fresh = 0;
        for (key, payload) in entries {
            fresh += sqlx::query(
                "INSERT INTO channel_inbox (channel, key, payload, received_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (channel, key) DO NOTHING",
            )
            .bind(channel)
            .bind(key)
            .bind(payload)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected() as usize;
        }
        if let Some((name, value)) = cursor {
            sqlx::query(
                "INSERT INTO channel_cursors (name, value) VALUES (?1, ?2)
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            )
            .bind(name)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DELETE FROM channel_inbox WHERE done_at IS NOT NULL AND done_at < ?1")
            .bind(now - KEEP_DONE_MS)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(fresh)
    }

    /// A cursor's value, if it was ever set.
    pub async fn channel_cursor(&self, name: &str) -> Result<Option<i64>> {
        let row = sqlx::query("SELECT value FROM channel_cursors WHERE name = ?1")
            .bind(name)
            .fetch_optional(&self.reads)
            .await?;
        Ok(row.map(|r| r.get("value")))
    }

    /// How many received entries are not answered yet.
    pub async fn channel_pending_count(&self) -> Result<u64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM channel_inbox WHERE done_at IS NULL")
            .fetch_one(&self.reads)
            .await?;
        Ok(row.get::<i64, _>("n").max(0) as u64)
    }

    /// The oldest entries not answered yet, in the order they came.
    pub async fn channel_pending(&self, limit: u32) -> Result<Vec<InboxItem>> {
        let rows = sqlx::query(
            "SELECT id, channel, key, payload, reply, sent FROM channel_inbox
             WHERE done_at IS NULL ORDER BY id LIMIT ?1",
        )
        .bind(limit)
        .fetch_all(&self.reads)
        .await?;
        Ok(rows
            .iter()
            .map(|r| InboxItem {
                id: r.get("id"),
                channel: r.get("channel"),
                key: r.get("key"),
                payload: r.get("payload"),
                reply: r.get("reply"),
                sent: r.get("sent"),
            })
            .collect())
    }

    /// Fixes what an entry is answered with, before any of it is sent.
    pub async fn channel_set_reply(&self, id: i64, reply: &str) -> Result<()> {
        sqlx::query("UPDATE channel_inbox SET reply = ?2 WHERE id = ?1")
            .bind(id)
            .bind(reply)
            .execute(&self.writes)
            .await?;
        Ok(())
    }

    /// Records that the first `sent` parts of an entry's reply went out.
    pub async fn channel_set_sent(&self, id: i64, sent: i64) -> Result<()> {
        sqlx::query("UPDATE channel_inbox SET sent = ?2 WHERE id = ?1")
            .bind(id)
            .bind(sent)
            .execute(&self.writes)
            .await?;
        Ok(())
    }

    /// Marks an entry answered.
    pub async fn channel_done(&self, id: i64) -> Result<()> {
        sqlx::query("UPDATE channel_inbox SET done_at = ?2 WHERE id = ?1")
            .bind(id)
            .bind(now_ms())
            .execute(&self.writes)
            .await?;
        Ok(())
    }

    /// The link of a chat, if it has one.
    pub async fn channel_link(&self, channel: &str, chat_id: &str) -> Result<Option<StoredLink>> {
        let row = sqlx::query(&format!(
            "SELECT {LINK_COLUMNS} FROM channel_links WHERE channel = ?1 AND chat_id = ?2"
        ))
        .bind(channel)
        .bind(chat_id)
        .fetch_optional(&self.reads)
        .await?;
        Ok(row.as_ref().map(link_from_row))
    }

    /// Stores a link unless the chat has one already; returns the chat's link.
    pub async fn insert_channel_link(&self, link: &StoredLink) -> Result<StoredLink> {
        let row = sqlx::query(&format!(
            "INSERT INTO channel_links ({LINK_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (channel, chat_id) DO UPDATE SET name = channel_links.name
             RETURNING {LINK_COLUMNS}"
        ))
        .bind(&link.id)
        .bind(&link.channel)
        .bind(&link.chat_id)
        .bind(&link.name)
        .bind(&link.conversation_id)
        .bind(&link.locale)
        .bind(link.created_at_ms)
        .fetch_one(&self.writes)
        .await?;
        Ok(link_from_row(&row))
    }

    /// Every linked chat, oldest first; only those of `channel` when given.
    pub async fn channel_links(&self, channel: Option<&str>) -> Result<Vec<StoredLink>> {
        let rows = sqlx::query(&format!(
            "SELECT {LINK_COLUMNS} FROM channel_links WHERE ?1 IS NULL OR channel = ?1
             ORDER BY created_at, id"
        ))
        .bind(channel)
        .fetch_all(&self.reads)
        .await?;
        Ok(rows.iter().map(link_from_row).collect())
    }

    /// Records the language a chat was last answered in.
    pub async fn set_channel_link_locale(&self, id: &str, locale: &str) -> Result<()> {
        sqlx::query("UPDATE channel_links SET locale = ?2 WHERE id = ?1 AND locale <> ?2")
            .bind(id)
            .bind(locale)
            .execute(&self.writes)
            .await?;
        Ok(())
    }

    /// Whether a command waits for a yes or no in a conversation.
    pub async fn has_pending_confirmation(&self, conversation_id: &str) -> Result<bool> {
        let row = sqlx::query("SELECT 1 FROM pending_confirmations WHERE conversation_id = ?1")
            .bind(conversation_id)
            .fetch_optional(&self.reads)
            .await?;
        Ok(row.is_some())
    }

    /// Unlinks a chat; `false` when there was no such link.
    pub async fn delete_channel_link(&self, id: &str) -> Result<bool> {
        let deleted = sqlx::query("DELETE FROM channel_links WHERE id = ?1")
            .bind(id)
            .execute(&self.writes)
            .await?
            .rows_affected();
        Ok(deleted > 0)
    }
}
