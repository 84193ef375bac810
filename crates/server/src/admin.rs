//! `agora create-admin`: the only way to make the first administrator.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};
use application::users::{CreateAdminError, CreateAdminInput};
use domain::{Email, Password, User, Username};
use infrastructure::{config::Settings, random_secret};

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

/// `agora create-admin`: reads the password, creates the account, prints what it made.
pub async fn create_admin(settings: &Settings, email: &str, username: &str) -> anyhow::Result<()> {
    let user = create_admin_with_password(settings, email, username, &read_password()?).await?;
    println!(
        "created administrator {} ({})",
        user.username().as_ref(),
        user.id()
    );
    Ok(())
}

/// Creates an administrator through the use case the CLI uses (tests arrange admins with it).
pub async fn create_admin_with_password(
    settings: &Settings,
    email: &str,
    username: &str,
    password: &str,
) -> anyhow::Result<User> {
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
    let username = Username::parse(username).map_err(|e| anyhow::anyhow!("--username: {e}"))?;
    let password = Password::parse(password).map_err(|e| anyhow::anyhow!("password: {e}"))?;
    // The command signs no token: a throw-away secret spares the JWT_SECRET warning.
    let mut settings = settings.clone();
    settings.jwt_secret.get_or_insert_with(random_secret);
    let wired = wire(&settings).await?;
    let input = CreateAdminInput {
        username,
        email,
        password,
    };
    match wired.state.users.create_admin(input).await {
        Ok(user) => Ok(user),
        Err(CreateAdminError::Taken(field)) => bail!("that {field} is already taken"),
        Err(CreateAdminError::WeakPassword(weak)) => bail!("the password {weak}"),
        Err(CreateAdminError::Dependency(e)) => Err(e.into()),
    }
}
