//! Table and column names shared by the migrations.

use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
pub enum Users {
    Table,
    Id,
    Username,
    Email,
    EmailBlindIndex,
    PasswordHash,
    CreatedAt,
    UpdatedAt,
    EmailVerified,
    RoleNames,
}

#[derive(DeriveIden)]
pub enum Roles {
    Table,
    Id,
    Name,
}

#[derive(DeriveIden)]
pub enum UserRoles {
    Table,
    UserId,
    RoleId,
}

#[derive(DeriveIden)]
pub enum Posts {
    Table,
    Id,
    AuthorId,
    Title,
    Body,
    CreatedAt,
    UpdatedAt,
    CommentCount,
    Excerpt,
    BodyLength,
    AuthorUsername,
}

#[derive(DeriveIden)]
pub enum Comments {
    Table,
    Id,
    PostId,
    AuthorId,
    Body,
    CreatedAt,
    UpdatedAt,
    AuthorUsername,
}

#[derive(DeriveIden)]
pub enum AuditEvents {
    Table,
    Id,
    ActorId,
    Action,
    Target,
    Ip,
    UserAgent,
    RequestId,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum AccountTokens {
    Table,
    Id,
    UserId,
    Purpose,
    TokenHash,
    Address,
    ExpiresAt,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum MailOutbox {
    Table,
    Id,
    Message,
    Attempts,
    NextAttemptAt,
    CreatedAt,
}
