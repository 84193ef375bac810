//! The near cache's rules on one instance, without Redis: what may answer and what may be kept.

use std::time::{Duration, Instant};

use chrono::Utc;
use domain::{Role, Session, SessionId, TokenDigest, UserId};
use uuid::Uuid;

use super::{Dropped, LEASE, MARGIN, NearCache};
use crate::redis_pool;

fn unstarted() -> NearCache {
    NearCache::unstarted(redis_pool("redis://127.0.0.1:1").expect("pool"), "unit")
}

fn in_force() -> NearCache {
    let near = unstarted();
    near.state().valid_until = Some(Instant::now() + Duration::from_secs(60));
    near
}

fn session() -> Session {
    Session::start(
        SessionId::from_uuid(Uuid::now_v7()),
        UserId::from_uuid(Uuid::now_v7()),
        TokenDigest([1; 32]),
        Utc::now(),
        chrono::Duration::hours(1),
        None,
        None,
    )
}

#[test]
fn a_read_that_began_before_a_drop_is_not_kept() {
    let near = in_force();
    let s = session();
    let ticket = near.ticket().expect("in force");
    // The change is heard while the read is on its way back from Redis.
    near.state().forget(&Dropped::Sessions(vec![s.id()]));
    near.keep_session(ticket, s.clone());
    assert_eq!(near.session(s.id()), None, "the racing read was kept");

    let ticket = near.ticket().expect("in force");
    near.keep_session(ticket, s.clone());
    assert_eq!(near.session(s.id()), Some(s));
}

#[test]
fn dropping_an_account_drops_its_sessions_and_roles_only() {
    let near = in_force();
    let (mine, other) = (session(), session());
    let ticket = near.ticket().expect("in force");
    near.keep_session(ticket, mine.clone());
    near.keep_session(ticket, other.clone());
    near.keep_roles(ticket, mine.user_id(), vec![Role::Admin]);
    near.forget_here(&Dropped::Account(mine.user_id()));
    assert_eq!(near.session(mine.id()), None);
    assert_eq!(near.roles(mine.user_id()), None);
    assert_eq!(near.session(other.id()), Some(other));
}

#[test]
fn nothing_answers_or_is_kept_before_the_first_heartbeat_or_once_the_lease_lapsed() {
    let near = unstarted();
    assert!(
        near.ticket().is_none(),
        "a ticket before the first heartbeat"
    );
    let s = session();
    {
        let mut state = near.state();
        state.valid_until = Some(Instant::now() + Duration::from_secs(60));
        let now = Instant::now();
        state.sessions.put(s.id(), s.clone(), now);
        // The lease lapses.
        state.valid_until = Some(now);
    }
    assert_eq!(
        near.session(s.id()),
        None,
        "answered after the lease lapsed"
    );
    assert!(near.ticket().is_none());
}

#[test]
fn a_heartbeat_back_extends_use_to_its_send_time_plus_the_lease_less_the_margin() {
    let near = unstarted();
    let sent = Instant::now();
    near.state().heartbeats.push_back((5, sent));
    near.0.heartbeat_back(4);
    assert!(!near.in_force(), "a heartbeat never sent counted");
    near.0.heartbeat_back(5);
    assert_eq!(near.state().valid_until, Some(sent + LEASE - MARGIN));
}

#[test]
fn a_heartbeat_after_a_lapse_starts_from_nothing() {
    let near = unstarted();
    let s = session();
    let sent = Instant::now();
    {
        let mut state = near.state();
        state.sessions.put(s.id(), s.clone(), sent);
        state.valid_until = Some(sent - Duration::from_millis(1));
        state.heartbeats.push_back((1, sent));
    }
    near.0.heartbeat_back(1);
    assert!(near.in_force());
    assert_eq!(
        near.session(s.id()),
        None,
        "an entry from before the lapse answered"
    );
}

#[test]
fn an_entry_answers_at_most_keep_for() {
    let near = in_force();
    let s = session();
    let long_ago = Instant::now() - super::KEEP_FOR;
    near.state().sessions.put(s.id(), s.clone(), long_ago);
    assert_eq!(near.session(s.id()), None);
}
