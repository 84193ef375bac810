//! The `AuditLog` contract.

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::{AuditAction, AuditEvent, UserId};
use uuid::Uuid;

use super::next_page;
use crate::{
    pagination::PageRequest,
    ports::{AuditFilter, AuditLog},
};

fn event_ids(events: &[AuditEvent]) -> Vec<Uuid> {
    events.iter().map(|e| e.id).collect()
}

/// Events are appended as given, listed newest first by keyset pages narrowed by actor and
/// action, and pruned oldest first, at most `batch` at a time, never at or after the cutoff.
/// Prunes only events before 2001 (the suite's own), so it may share a store.
pub async fn audit_log(audit: &impl AuditLog) {
    let actor = UserId::from_uuid(Uuid::now_v7());
    let now = Utc::now();
    let mut recorded = Vec::new();
    for (n, action) in [
        AuditAction::LoginSucceeded,
        AuditAction::LoginFailed,
        AuditAction::LoginSucceeded,
        AuditAction::LoggedOut,
    ]
    .into_iter()
    .enumerate()
    {
        let event = AuditEvent::new(action, Some(actor), now - Duration::minutes(10 - n as i64))
            .with_target(format!("target-{n}"))
            .from_client(Some("192.0.2.1"), Some("contract"), Some("req-1"));
        audit.record(&event).await.expect("record");
        recorded.push(event);
    }
    recorded.reverse();
    let mine = AuditFilter {
        actor: Some(actor),
        action: None,
    };
    let first = audit
        .list(&mine, &PageRequest::first(3))
        .await
        .expect("list");
    assert_eq!(
        event_ids(&first.items),
        event_ids(&recorded[..3]),
        "newest first"
    );
    let stored = &first.items[0];
    assert_eq!(stored.action, recorded[0].action);
    assert_eq!(stored.target, recorded[0].target);
    assert_eq!(stored.ip.as_deref(), Some("192.0.2.1"));
    assert_eq!(stored.user_agent.as_deref(), Some("contract"));
    assert_eq!(stored.request_id.as_deref(), Some("req-1"));
    let rest = audit
        .list(&mine, &next_page(&first, 3))
        .await
        .expect("list");
    assert_eq!(event_ids(&rest.items), event_ids(&recorded[3..]));
    assert_eq!(rest.next_cursor, None);
    let logins = audit
        .list(
            &AuditFilter {
                actor: Some(actor),
                action: Some(AuditAction::LoginSucceeded),
            },
            &PageRequest::first(10),
        )
        .await
        .expect("list");
    assert_eq!(
        event_ids(&logins.items),
        [recorded[1].id, recorded[3].id],
        "narrowed by actor and action"
    );

    // Pruning: oldest first, in batches, never at or after the cutoff.
    let ancient = |day: u32| -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2000, 1, day, 0, 0, 0)
            .single()
            .expect("a date")
    };
    let old_actor = UserId::from_uuid(Uuid::now_v7());
    for day in 1..=4 {
        let event = AuditEvent::new(AuditAction::LoggedOut, Some(old_actor), ancient(day));
        audit.record(&event).await.expect("record");
    }
    let olds = AuditFilter {
        actor: Some(old_actor),
        action: None,
    };
    assert_eq!(audit.prune_before(ancient(4), 2).await.expect("prune"), 2);
    let left = audit
        .list(&olds, &PageRequest::first(10))
        .await
        .expect("list");
    let days: Vec<_> = left.items.iter().map(|e| e.created_at).collect();
    assert_eq!(days, [ancient(4), ancient(3)], "the oldest went first");
    assert_eq!(audit.prune_before(ancient(4), 2).await.expect("prune"), 1);
    assert_eq!(audit.prune_before(ancient(4), 2).await.expect("prune"), 0);
    let left = audit
        .list(&olds, &PageRequest::first(10))
        .await
        .expect("list");
    assert_eq!(left.items.len(), 1, "the event at the cutoff stays");
    assert_eq!(
        audit
            .list(&mine, &PageRequest::first(10))
            .await
            .expect("list")
            .items
            .len(),
        4,
        "recent events stay"
    );
}
