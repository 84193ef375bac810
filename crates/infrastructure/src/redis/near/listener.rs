//! The near cache's two background tasks: the subscription (changes to drop, heartbeats that
//! extend the lease, acknowledgements of this instance's changes) and the lease's renewal.
//!
//! Messages, all text:
//! - on the shared channel, `change <origin> <nonce> s <session>,<session>...` or
//!   `change <origin> <nonce> a <user>`;
//! - on an instance's own channel, `hb <number>` and `ack <nonce> <holder>`.

use std::{
    sync::{Arc, Weak},
    time::{Duration, Instant},
};

use futures_util::StreamExt;
use redis::{Msg, aio::PubSub};
use uuid::Uuid;

use super::{Dropped, HEARTBEATS_IN_FLIGHT, LEASE, MARGIN, RENEW_EVERY, Shared};
use crate::{redis::pool::redis_connection, unavailable::StoreContext};

/// Subscribing again after a lost subscription waits this long first.
const RESUBSCRIBE_AFTER: Duration = Duration::from_millis(200);
/// A subscription that delivers nothing for this long is dropped and made again.
const SILENT_FOR: Duration = Duration::from_secs(3);
/// Connecting and subscribing give up after this long.
const SUBSCRIBE_TIMEOUT: Duration = Duration::from_secs(2);

pub(super) fn spawn(shared: Weak<Shared>) {
    tokio::spawn(listen(shared.clone()));
    tokio::spawn(renew(shared));
}

/// The message announcing that `origin`'s change `nonce` dropped `dropped`.
pub(super) fn change(origin: u64, nonce: u64, dropped: &Dropped) -> String {
    match dropped {
        Dropped::Sessions(ids) => {
            let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
            format!("change {origin} {nonce} s {}", ids.join(","))
        }
        Dropped::Account(user) => format!("change {origin} {nonce} a {user}"),
    }
}

fn parse_change(payload: &str) -> Option<(u64, u64, Dropped)> {
    let mut words = payload.split(' ');
    (words.next()? == "change").then_some(())?;
    let origin = words.next()?.parse().ok()?;
    let nonce = words.next()?.parse().ok()?;
    let dropped = match (words.next()?, words.next()?) {
        ("s", ids) => Dropped::Sessions(
            ids.split(',')
                .map(|id| id.parse::<Uuid>().ok().map(domain::SessionId::from_uuid))
                .collect::<Option<_>>()?,
        ),
        ("a", user) => Dropped::Account(domain::UserId::from_uuid(user.parse().ok()?)),
        _ => return None,
    };
    Some((origin, nonce, dropped))
}

async fn listen(weak: Weak<Shared>) {
    loop {
        let Some(shared) = weak.upgrade() else { return };
        match shared.subscribe().await {
            Ok(pubsub) => {
                shared.restart(true);
                // The first heartbeat at once, not at the next tick: in force within a round trip.
                tokio::spawn(async move { shared.renew_lease().await });
                let mut messages = pubsub.into_on_message();
                // Heartbeats arrive every `RENEW_EVERY` on a live subscription: this long without
                // a message, the connection is taken for dead even if TCP has not said so.
                let ended = loop {
                    match tokio::time::timeout(SILENT_FOR, messages.next()).await {
                        Ok(Some(message)) => {
                            let Some(shared) = weak.upgrade() else { return };
                            shared.hear(&message);
                        }
                        Ok(None) => break "was lost",
                        Err(_) => break "went silent",
                    }
                };
                let Some(shared) = weak.upgrade() else { return };
                shared.restart(false);
                if !shared.state().stopped {
                    tracing::warn!("near cache: the subscription {ended}; answering from Redis");
                }
            }
            Err(err) => {
                drop(shared);
                tracing::debug!(error = %err, "near cache: cannot subscribe yet");
            }
        }
        tokio::time::sleep(RESUBSCRIBE_AFTER).await;
    }
}

async fn renew(weak: Weak<Shared>) {
    let mut tick = tokio::time::interval(RENEW_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(shared) = weak.upgrade() else { return };
        shared.renew_lease().await;
    }
}

impl Shared {
    async fn subscribe(&self) -> anyhow::Result<PubSub> {
        let subscribing = async {
            let mut pubsub = self.pool.client().get_async_pubsub().await?;
            pubsub.subscribe(&self.channel).await?;
            pubsub.subscribe(&self.own).await?;
            Ok::<_, redis::RedisError>(pubsub)
        };
        Ok(tokio::time::timeout(SUBSCRIBE_TIMEOUT, subscribing).await??)
    }

    /// A new subscription (`subscribed`) or a lost one: either way, nothing kept before may
    /// answer, and nothing answers until a heartbeat comes back through a subscription.
    fn restart(&self, subscribed: bool) {
        let mut state = self.state();
        state.clear();
        state.valid_until = None;
        state.heartbeats.clear();
        state.subscribed = subscribed;
    }

    fn hear(self: &Arc<Self>, message: &Msg) {
        let Ok(payload) = message.get_payload::<String>() else {
            return;
        };
        if message.get_channel_name() == self.channel {
            if let Some((origin, nonce, dropped)) = parse_change(&payload) {
                self.state().forget(&dropped);
                if origin != self.instance {
                    self.acknowledge(origin, nonce);
                }
            }
            return;
        }
        let mut words = payload.split(' ');
        match (words.next(), words.next(), words.next()) {
            (Some("hb"), Some(number), None) => {
                if let Ok(number) = number.parse() {
                    self.heartbeat_back(number);
                }
            }
            (Some("ack"), Some(nonce), Some(holder)) => {
                if let (Ok(nonce), Ok(holder)) = (nonce.parse(), holder.parse()) {
                    let mut state = self.state();
                    if let Some((acked, notify)) = state.waits.get_mut(&nonce) {
                        acked.insert(holder);
                        notify.notify_one();
                    }
                }
            }
            _ => {}
        }
    }

    /// Every message published before heartbeat `number` has been handled: entries may answer
    /// until its send time plus the lease, less the margin.
    pub(super) fn heartbeat_back(&self, number: u64) {
        let now = Instant::now();
        let mut state = self.state();
        if state.stopped {
            return;
        }
        let Some(sent) = state
            .heartbeats
            .iter()
            .find(|(n, _)| *n == number)
            .map(|(_, sent)| *sent)
        else {
            return;
        };
        state.heartbeats.retain(|(n, _)| *n > number);
        if !state.valid_at(now) {
            // Lapsed: what was kept may have missed nothing (the same subscription), but
            // starting empty costs one read per entry and needs no such argument.
            state.clear();
        }
        let until = sent + LEASE - MARGIN;
        state.valid_until = Some(state.valid_until.map_or(until, |u| u.max(until)));
    }

    fn acknowledge(self: &Arc<Self>, origin: u64, nonce: u64) {
        let shared = Arc::clone(self);
        tokio::spawn(async move {
            let sent = async {
                let mut conn = redis_connection(&shared.pool).await?;
                let _: i64 = redis::cmd("PUBLISH")
                    .arg(format!("{}:{origin}", shared.channel))
                    .arg(format!("ack {nonce} {}", shared.instance))
                    .query_async(&mut conn)
                    .await
                    .store_context("acknowledging a change")?;
                Ok::<_, application::StoreError>(())
            };
            if let Err(err) = sent.await {
                tracing::debug!(error = %err, "near cache: an acknowledgement was not sent");
            }
        });
    }

    /// Records the lease and sends a heartbeat, while subscribed. A failure is logged: the
    /// lease then lapses by itself.
    async fn renew_lease(&self) {
        if let Err(err) = self.try_renew_lease().await {
            tracing::debug!(error = %err, "near cache: the lease could not be renewed");
        }
    }

    async fn try_renew_lease(&self) -> Result<(), application::StoreError> {
        let number = {
            let mut state = self.state();
            if !state.subscribed || state.stopped {
                return Ok(());
            }
            let number = state.next_heartbeat;
            state.next_heartbeat += 1;
            state.heartbeats.push_back((number, Instant::now()));
            if state.heartbeats.len() > HEARTBEATS_IN_FLIGHT {
                state.heartbeats.pop_front();
            }
            number
        };
        let mut conn = redis_connection(&self.pool).await?;
        let _: i64 = self
            .renew
            .key(&self.leases)
            .arg(self.instance)
            .arg(u64::try_from(LEASE.as_millis()).unwrap_or(u64::MAX))
            .arg(&self.own)
            .arg(format!("hb {number}"))
            .invoke_async(&mut conn)
            .await
            .store_context("renewing the near cache's lease")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_reads_back_as_it_was_written() {
        let sessions = Dropped::Sessions(vec![
            domain::SessionId::from_uuid(Uuid::now_v7()),
            domain::SessionId::from_uuid(Uuid::now_v7()),
        ]);
        let account = Dropped::Account(domain::UserId::from_uuid(Uuid::now_v7()));
        for dropped in [sessions, account] {
            let message = change(7, 9, &dropped);
            assert_eq!(parse_change(&message), Some((7, 9, dropped)));
        }
    }

    #[test]
    fn a_garbled_change_is_ignored() {
        for garbled in [
            "",
            "change",
            "change 1 2 s",
            "change 1 2 s nope",
            "change x 2 a y",
        ] {
            assert_eq!(parse_change(garbled), None, "{garbled:?}");
        }
    }
}
