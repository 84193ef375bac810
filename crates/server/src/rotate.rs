//! `agora rotate-data-key`: re-encrypts stored personal data under the current `DATA_KEY`.

use infrastructure::{
    RotationReport, config::Settings, connect_database, crypto, migrate, rotate_emails,
};

/// Brings the schema up to date, then re-encrypts in batches of `batch_size`.
pub async fn rotate_data_key(
    settings: &Settings,
    batch_size: u64,
) -> anyhow::Result<RotationReport> {
    let emails = crypto::email_protection(settings)?;
    let db = connect_database(&settings.database).await?;
    migrate(&db).await?;
    let report = rotate_emails(&db, &emails, batch_size).await;
    db.close().await.ok();
    report
}
