//! The one event bus: skill notifications and system events (`system.skill.loaded`, …). Every
//! event is stored first, with an increasing id, and then sent to every listener (SSE streams,
//! logs), so a listener that missed some can replay them from the store by id.
//!
//! Storing and sending happen under one lock, so listeners see events in id order: a client
//! that resumes after the last id it saw misses nothing.

use std::sync::Arc;

use chrono::Timelike;
use tokio::sync::broadcast;

use crate::config::NotificationSettings;
use crate::store::{NewNotification, Store, StoreError, StoredNotification};

/// Events a slow listener may fall behind by before it must catch up from the store.
const CAPACITY: usize = 1024;

/// Why a notification was not sent.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("the skill sent more than {0} notifications in the last hour")]
    RateLimited(u32),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The bus handle; cheap to clone.
#[derive(Clone)]
pub struct Bus {
    sender: broadcast::Sender<StoredNotification>,
    store: Store,
    settings: Arc<NotificationSettings>,
    timezone: chrono_tz::Tz,
    order: Arc<tokio::sync::Mutex<()>>,
}

impl Bus {
    pub fn new(store: Store, settings: NotificationSettings, timezone: chrono_tz::Tz) -> Bus {
        Bus {
            sender: broadcast::channel(CAPACITY).0,
            store,
            settings: Arc::new(settings),
            timezone,
            order: Arc::default(),
        }
    }

    /// Stores and sends a skill's notification, once per `key` when there is one; returns it and
    /// whether it is new. Refused when the skill is over its hourly limit. During quiet hours it
    /// is delivered silently (`silent: true`).
    pub async fn notify(
        &self,
        new: &NewNotification<'_>,
        key: Option<&str>,
    ) -> Result<(StoredNotification, bool), NotifyError> {
        let _order = self.order.lock().await;
        let limit = self.settings.max_per_skill_per_hour;
        if limit > 0 && self.store.notifications_in_last_hour(new.source).await? >= u64::from(limit)
        {
            return Err(NotifyError::RateLimited(limit));
        }
        let silent = self.quiet_now();
        let (stored, fresh) = self
            .store
            .insert_notification_once(new, key, silent)
            .await?;
        if fresh {
            let _ = self.sender.send(stored.clone());
        }
        Ok((stored, fresh))
    }

    /// Records a system event (`system.<kind>`), e.g. `skill.loaded`, in the background.
    pub fn system(&self, kind: &str, title: String, body: String, data: Option<String>) {
        let bus = self.clone();
        let kind = kind.to_owned();
        tokio::spawn(async move {
            if let Err(e) = bus.system_now(&kind, &title, &body, data.as_deref()).await {
                tracing::error!(error = %e, %kind, "could not store a system event");
            }
        });
    }

    /// Records a system event and returns once it is stored and sent, for a caller that answers
    /// a client only after the event is safe (e.g. `system.pairing.code`).
    pub async fn system_now(
        &self,
        kind: &str,
        title: &str,
        body: &str,
        data: Option<&str>,
    ) -> Result<StoredNotification, StoreError> {
        let _order = self.order.lock().await;
        let new = NewNotification {
            source: "system",
            kind,
            title,
            body,
            data,
        };
        let (stored, _) = self
            .store
            .insert_notification_once(&new, None, true)
            .await?;
        let _ = self.sender.send(stored.clone());
        Ok(stored)
    }

    /// A listener that sees every event stored from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<StoredNotification> {
        self.sender.subscribe()
    }

    /// Whether the local time is inside the configured quiet hours.
    fn quiet_now(&self) -> bool {
        let Some((start, end)) = self.settings.quiet_hours else {
            return false;
        };
        let now = chrono::Utc::now().with_timezone(&self.timezone);
        let minute = now.hour() * 60 + now.minute();
        if start <= end {
            (start..end).contains(&minute)
        } else {
            minute >= start || minute < end
        }
    }
}
