//! `agora create-admin`: the only way to make the first administrator.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};
use application::users::{CreateAdminError, CreateAdminInput};
use domain::{Email, Password, Username};
use infrastructure::config::Settings;

use crate::wiring::wire;

fn read_password() -> anyhow::Result<String> {
    if let Ok(password) = std::env::var("ADMIN_PASSWORD") {
        return Ok(password);
    }
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password("Password for the new administrator: ")
            .context("reading the password");
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

pub async fn create_admin(settings: &Settings, email: &str, username: &str) -> anyhow::Result<()> {
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
    let username = Username::parse(username).map_err(|e| anyhow::anyhow!("--username: {e}"))?;
    let password =
        Password::parse(&read_password()?).map_err(|e| anyhow::anyhow!("password: {e}"))?;
    let wired = wire(settings).await?;
    match wired
        .state
        .users
        .create_admin(CreateAdminInput {
            username,
            email,
            password,
        })
        .await
    {
        Ok(user) => {
            println!(
                "created administrator {} ({})",
                user.username().as_ref(),
                user.id()
            );
            Ok(())
        }
        Err(CreateAdminError::Taken(field)) => bail!("that {field} is already taken"),
        Err(CreateAdminError::Unexpected(e)) => Err(e),
    }
}
