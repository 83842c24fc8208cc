//! The one event bus: skill notifications and system events, fanned out to every listener
//! (SSE streams, WebSocket clients, logs). Events are persisted before they are published.

use tokio::sync::broadcast;

use crate::store::StoredNotification;

/// Events a slow listener may fall behind by before it misses some (it can replay from the
/// store by id).
const CAPACITY: usize = 1024;

/// Something that happened in the host.
#[derive(Debug, Clone)]
pub enum Event {
    /// A skill sent a notification (`skill.<name>.<kind>`).
    Notification(StoredNotification),
    /// A skill was loaded, replaced, removed or failed (`system.skill.<what>`).
    Skill {
        name: String,
        what: &'static str,
        detail: Option<String>,
    },
}

/// The bus handle; cheap to clone.
#[derive(Debug, Clone)]
pub struct Bus {
    sender: broadcast::Sender<Event>,
}

impl Default for Bus {
    fn default() -> Self {
        Bus {
            sender: broadcast::channel(CAPACITY).0,
        }
    }
}

impl Bus {
    /// Publishes an event; having no listener is fine.
    pub fn publish(&self, event: Event) {
        let _ = self.sender.send(event);
    }

    /// A new listener that sees every event published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.sender.subscribe()
    }
}
