use agora::{
    Application, Settings,
    cli::{Cli, Command},
    telemetry,
};
use clap::Parser;

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        print!("{}", agora_http::openapi_yaml()?);
        return Ok(());
    }
    let settings = Settings::from_env()?;
    telemetry::init_subscriber(settings.log_format, "info", telemetry::stdout);
    match cli.command {
        Some(Command::CreateAdmin { email, username }) => {
            agora::admin::create_admin(&settings, &email, &username).await
        }
        Some(Command::RotateDataKey { batch_size }) => {
            let report = agora::rotate::rotate_data_key(&settings, batch_size).await?;
            println!(
                "re-encrypted {} email(s) in {} batch(es) under key {}; skipped {} unreadable row(s)",
                report.rewritten, report.batches, report.key_id, report.skipped
            );
            Ok(())
        }
        _ => Ok(Application::build(settings)
            .await?
            .run_until_stopped()
            .await?),
    }
}
