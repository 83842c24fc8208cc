//! Who may use the API besides the holder of the master token: paired devices, each with a token
//! of its own, and the short-lived pairing code a new device trades for one.
//!
//! This is the state and its rules, not HTTP (`api::devices` is the surface). Device tokens are
//! kept only as their SHA-256, in the store and in memory; a revoked device's open streams and
//! WebSockets end on its [`cut_off`](Devices::cut_off) token at the moment it is revoked.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tokio_util::sync::CancellationToken;

use crate::store::{Store, StoreError, StoredDevice, now_ms};

/// How long a pairing code is valid.
pub const CODE_TTL: Duration = Duration::from_secs(5 * 60);
/// Wrong codes (from anywhere) after which the code is burned.
pub const MAX_MISSES: u32 = 5;
/// Wrong codes one address may send within [`ADDRESS_WINDOW`], whatever the code.
pub const MAX_MISSES_PER_ADDRESS: u32 = 10;
/// The window of [`MAX_MISSES_PER_ADDRESS`].
pub const ADDRESS_WINDOW: Duration = Duration::from_secs(15 * 60);
/// A device's `last_seen` is written to the store at most this often.
const TOUCH_EVERY_MS: i64 = 60_000;

/// Who a request is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// The holder of the master token.
    Master,
    /// A paired device, by id.
    Device(String),
    /// A client on the Unix socket, whose file permissions are its credential.
    Local,
}

/// A paired device, as listed.
#[derive(Debug, Clone)]
pub struct Device {
    pub id: String,
    pub name: String,
    pub created_at_ms: i64,
    pub last_seen_ms: Option<i64>,
}

/// A device just paired, with the token it will use: the only time the token is seen.
#[derive(Debug, Clone)]
pub struct Paired {
    pub device: Device,
    pub token: String,
}

/// A pairing code just made.
#[derive(Debug, Clone)]
pub struct Code {
    /// Six digits.
    pub code: String,
    pub expires_at_ms: i64,
}

/// Why a pairing did not happen.
#[derive(Debug, thiserror::Error)]
pub enum PairError {
    #[error(
        "wrong pairing code; {left} more wrong tries burn it. Check the code shown by `bantz pair`, in the server log or in the notification"
    )]
    Wrong { left: u32 },
    #[error(
        "that was the {MAX_MISSES}th wrong pairing code, so the code is burned and no code is valid now: ask for a new one (`bantz pair`)"
    )]
    Burned,
    #[error(
        "no pairing code is valid now ({0}): ask for a new one with `bantz pair` or POST /api/v1/pair/request"
    )]
    NoCode(&'static str),
    #[error(
        "too many wrong pairing codes from this address: try again in {} s",
        retry_after.as_secs().max(1)
    )]
    TooManyTries { retry_after: Duration },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The paired devices and the pairing code; one per host.
pub struct Devices {
    store: Store,
    state: Mutex<State>,
}

struct State {
    /// Known devices by the SHA-256 of their token.
    by_hash: HashMap<[u8; 32], Arc<Known>>,
    /// Cancelled when the device is revoked; made the first time a stream asks.
    cut_offs: HashMap<String, CancellationToken>,
    code: CodeState,
    misses: HashMap<Claimant, (Instant, u32)>,
}

/// Who sends a pairing code, for counting wrong ones: a client address (`None` on the Unix
/// socket), or a chat on a messenger (`telegram:12345`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Claimant {
    Address(Option<IpAddr>),
    Chat(String),
}

struct Known {
    id: String,
    /// Milliseconds since the epoch, as last written to the store.
    last_seen_ms: std::sync::atomic::AtomicI64,
}

enum CodeState {
    None,
    Active {
        code: String,
        expires: Instant,
        misses: u32,
    },
    Expired,
    Used,
    Burned,
}

impl Devices {
    /// The devices the store knows.
    pub async fn load(store: Store) -> Result<Devices, StoreError> {
        let mut by_hash = HashMap::new();
        for device in store.devices().await? {
            let Some(hash) = decode_hash(&device.token_hash) else {
                tracing::warn!(device = %device.id, "a stored device token hash is malformed; the device cannot sign in");
                continue;
            };
            by_hash.insert(
                hash,
                Arc::new(Known {
                    id: device.id,
                    last_seen_ms: device.last_seen_ms.unwrap_or(0).into(),
                }),
            );
        }
        Ok(Devices {
            store,
            state: Mutex::new(State {
                by_hash,
                cut_offs: HashMap::new(),
                code: CodeState::None,
                misses: HashMap::new(),
            }),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Nothing panics while holding the lock; a poisoned one still holds consistent data.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The device whose token this is, if any; notes that it was seen.
    pub fn identify(&self, token: &str) -> Option<String> {
        let hash: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let known = self.state().by_hash.get(&hash).cloned()?;
        let now = now_ms();
        let before = known
            .last_seen_ms
            .load(std::sync::atomic::Ordering::Relaxed);
        if now - before >= TOUCH_EVERY_MS
            && known
                .last_seen_ms
                .compare_exchange(
                    before,
                    now,
                    std::sync::atomic::Ordering::Relaxed,
                    std::sync::atomic::Ordering::Relaxed,
                )
                .is_ok()
        {
            let (store, id) = (self.store.clone(), known.id.clone());
            tokio::spawn(async move {
                if let Err(e) = store.touch_device(&id, now).await {
                    tracing::warn!(error = %e, device = %id, "could not record when a device was last seen");
                }
            });
        }
        Some(known.id.clone())
    }

    /// A token cancelled when `identity` loses access: at once for a device that is already
    /// revoked, never for the master token or the socket.
    pub fn cut_off(&self, identity: &Identity) -> CancellationToken {
        let Identity::Device(id) = identity else {
            return CancellationToken::new();
        };
        let mut state = self.state();
        if !state.by_hash.values().any(|k| k.id == *id) {
            let gone = CancellationToken::new();
            gone.cancel();
            return gone;
        }
        state.cut_offs.entry(id.clone()).or_default().clone()
    }

    /// Makes a new pairing code, valid for [`CODE_TTL`]; it replaces any earlier one.
    pub fn new_code(&self) -> Code {
        use rand::Rng;
        let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
        self.state().code = CodeState::Active {
            code: code.clone(),
            expires: Instant::now() + CODE_TTL,
            misses: 0,
        };
        Code {
            code,
            expires_at_ms: now_ms() + CODE_TTL.as_millis() as i64,
        }
    }

    /// Trades the pairing code for a device token. `from` is the client's address (`None` on
    /// the Unix socket); wrong codes count against it and against the code.
    pub async fn pair(
        &self,
        from: Option<IpAddr>,
        code: &str,
        name: &str,
    ) -> Result<Paired, PairError> {
        self.redeem(Claimant::Address(from), code)?;
        let token = crate::config::generate_token();
        let hash: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let device = StoredDevice {
            id: uuid::Uuid::new_v4().to_string(),
            name: name.to_owned(),
            token_hash: hex::encode(hash),
            created_at_ms: now_ms(),
            last_seen_ms: None,
        };
        self.store.insert_device(&device).await?;
        self.state().by_hash.insert(
            hash,
            Arc::new(Known {
                id: device.id.clone(),
                last_seen_ms: 0.into(),
            }),
        );
        tracing::info!(device = %device.id, name = %device.name, "a device was paired");
        Ok(Paired {
            device: Device {
                id: device.id,
                name: device.name,
                created_at_ms: device.created_at_ms,
                last_seen_ms: None,
            },
            token,
        })
    }

    /// Trades the pairing code for the link of a messenger chat (`chat` as `telegram:12345`):
    /// the same code, the same rules, wrong codes counted against the chat.
    pub fn redeem_for_chat(&self, chat: &str, code: &str) -> Result<(), PairError> {
        self.redeem(Claimant::Chat(chat.to_owned()), code)
    }

    /// Uses up the pairing code if `code` is it; a wrong one counts against `from` and the code.
    fn redeem(&self, from: Claimant, code: &str) -> Result<(), PairError> {
        let mut state = self.state();
        let now = Instant::now();
        state
            .misses
            .retain(|_, (since, _)| now.duration_since(*since) < ADDRESS_WINDOW);
        if let Some((since, count)) = state.misses.get(&from)
            && *count >= MAX_MISSES_PER_ADDRESS
        {
            return Err(PairError::TooManyTries {
                retry_after: ADDRESS_WINDOW.saturating_sub(now.duration_since(*since)),
            });
        }
        let outcome = match &mut state.code {
            CodeState::Active { expires, .. } if *expires <= now => {
                state.code = CodeState::Expired;
                Err(PairError::NoCode("the last one expired"))
            }
            CodeState::Expired => Err(PairError::NoCode("the last one expired")),
            CodeState::Active {
                code: expected,
                misses,
                ..
            } => {
                if bool::from(expected.as_bytes().ct_eq(code.trim().as_bytes())) {
                    Ok(())
                } else {
                    *misses += 1;
                    if *misses >= MAX_MISSES {
                        Err(PairError::Burned)
                    } else {
                        Err(PairError::Wrong {
                            left: MAX_MISSES - *misses,
                        })
                    }
                }
            }
            CodeState::None => Err(PairError::NoCode("none was asked for")),
            CodeState::Used => Err(PairError::NoCode("the last one was used")),
            CodeState::Burned => Err(PairError::NoCode(
                "the last one was burned after too many wrong tries",
            )),
        };
        match outcome {
            Ok(()) => state.code = CodeState::Used,
            Err(e) => {
                if matches!(e, PairError::Burned) {
                    state.code = CodeState::Burned;
                }
                let entry = state.misses.entry(from).or_insert((now, 0));
                entry.1 += 1;
                return Err(e);
            }
        }
        Ok(())
    }

    /// Every paired device, oldest first.
    pub async fn list(&self) -> Result<Vec<Device>, StoreError> {
        let stored = self.store.devices().await?;
        let state = self.state();
        // The store's last_seen lags by up to a minute; memory knows better.
        let seen: HashMap<&str, i64> = state
            .by_hash
            .values()
            .map(|k| {
                (
                    k.id.as_str(),
                    k.last_seen_ms.load(std::sync::atomic::Ordering::Relaxed),
                )
            })
            .collect();
        Ok(stored
            .into_iter()
            .map(|d| Device {
                last_seen_ms: d
                    .last_seen_ms
                    .max(seen.get(d.id.as_str()).copied().filter(|&t| t > 0)),
                id: d.id,
                name: d.name,
                created_at_ms: d.created_at_ms,
            })
            .collect())
    }

    /// Revokes a device: its token stops working and its open streams and WebSockets end now.
    /// `false` when there is no such device.
    pub async fn revoke(&self, id: &str) -> Result<bool, StoreError> {
        let deleted = self.store.delete_device(id).await?;
        let mut state = self.state();
        let before = state.by_hash.len();
        state.by_hash.retain(|_, k| k.id != id);
        if let Some(cut_off) = state.cut_offs.remove(id) {
            cut_off.cancel();
        }
        let revoked = deleted || state.by_hash.len() < before;
        if revoked {
            tracing::info!(device = %id, "a device was revoked");
        }
        Ok(revoked)
    }
}

fn decode_hash(text: &str) -> Option<[u8; 32]> {
    hex::decode(text).ok()?.try_into().ok()
}
