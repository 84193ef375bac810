//! Agora's schema as sea-orm migrations, written to run unchanged on PostgreSQL and SQLite.

pub use sea_orm_migration::prelude::*;

mod idents;
mod m20261125_000001_create_users;
mod m20261125_000002_create_roles;
mod m20261125_000003_create_user_roles;
mod m20261125_000004_create_posts;
mod m20261125_000005_create_comments;
mod m20261125_000006_protect_user_emails;
mod m20261125_000007_create_audit_events;
mod m20261126_000008_add_users_email_verified;
mod m20261126_000009_create_account_tokens;
mod m20261126_000010_create_mail_outbox;
mod m20261126_180000_posts_author_keyset_index;
mod m20261126_180100_posts_title_trigram_index;
mod m20261127_000011_posts_title_search_index;
mod m20261127_000012_posts_comment_count;
mod m20261127_000013_posts_title_trigram_index_without_pending_list;
mod m20261128_000014_posts_excerpt_and_body_length;
mod m20261128_000015_authors_username_on_posts_and_comments;
mod m20261128_000016_users_role_names;

pub use m20261128_000014_posts_excerpt_and_body_length::EXCERPT_CHARS as POSTS_EXCERPT_CHARS;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_create_users::Migration),
            Box::new(m20261125_000002_create_roles::Migration),
            Box::new(m20261125_000003_create_user_roles::Migration),
            Box::new(m20261125_000004_create_posts::Migration),
            Box::new(m20261125_000005_create_comments::Migration),
            Box::new(m20261125_000006_protect_user_emails::Migration),
            Box::new(m20261125_000007_create_audit_events::Migration),
            Box::new(m20261126_180000_posts_author_keyset_index::Migration),
            Box::new(m20261126_180100_posts_title_trigram_index::Migration),
            Box::new(m20261126_000008_add_users_email_verified::Migration),
            Box::new(m20261126_000009_create_account_tokens::Migration),
            Box::new(m20261126_000010_create_mail_outbox::Migration),
            Box::new(m20261127_000011_posts_title_search_index::Migration),
            Box::new(m20261127_000012_posts_comment_count::Migration),
            Box::new(m20261127_000013_posts_title_trigram_index_without_pending_list::Migration),
            Box::new(m20261128_000014_posts_excerpt_and_body_length::Migration),
            Box::new(m20261128_000015_authors_username_on_posts_and_comments::Migration),
            Box::new(m20261128_000016_users_role_names::Migration),
        ]
    }
}
