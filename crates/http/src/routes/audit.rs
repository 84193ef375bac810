//! `/api/audit`: the trail of security events (administrators).

use application::ports::AuditFilter;
use domain::UserId;

use super::prelude::*;
use crate::dto::audit::{AuditEventResponse, AuditFilterParams, AuditPage};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/audit").route(web::get().to(list_audit_events)));
}

/// Security events, newest first (administrators): registrations, logins and failed logins,
/// refresh-token reuse, logouts and ended sessions, password, email and role changes, account
/// deletions. No event holds a password, a token or an email address.
#[utoipa::path(
    get, path = "/api/audit", tag = "audit",
    params(AuditFilterParams, PageParams),
    responses(
        (status = 200, description = "One page of events", body = AuditPage),
        Problems<(code::Forbidden, code::ValidationFailed)>,
    ),
)]
pub async fn list_audit_events(
    state: Data<AppState>,
    user: AuthUser,
    QueryParams(filter): QueryParams<AuditFilterParams>,
    QueryParams(page): QueryParams<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let filter = AuditFilter {
        actor: filter.actor.map(UserId::from_uuid),
        action: filter.action.map(Into::into),
    };
    let page = state
        .audit
        .list(&user.actor, &filter, &page.to_request()?)
        .await?;
    Ok(HttpResponse::Ok().json(AuditPage::of(page, AuditEventResponse::from)))
}
