//! Enums stored and shown by name (roles, audit actions), declared from one table.

/// Declares an enum from one table of `Variant => "name"`: the enum, `ALL` (every variant in
/// declaration order), `as_str`, `FromStr` (any other name is refused with the given error,
/// a `struct Error(pub String)`) and `Display` (the name).
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident (unknown: $unknown:ident) {
            $($variant:ident => $text:literal),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        pub enum $name {
            $($variant),+
        }

        impl $name {
            pub const ALL: [$name; [$($text),+].len()] = [$($name::$variant),+];

            pub fn as_str(&self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $unknown;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::ALL
                    .into_iter()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| $unknown(s.to_owned()))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use named_enum;

#[cfg(test)]
mod tests {
    use std::{fmt::Debug, str::FromStr};

    use crate::{AuditAction, Role};

    /// Every variant parses back from its name; `foreign` is refused.
    fn round_trips<T>(all: &[T], name: fn(&T) -> &'static str, foreign: &str)
    where
        T: Copy + PartialEq + Debug + FromStr<Err: Debug>,
    {
        for &value in all {
            assert_eq!(name(&value).parse::<T>().ok(), Some(value));
        }
        assert!(foreign.parse::<T>().is_err());
    }

    #[test]
    fn every_role_round_trips_through_its_name() {
        round_trips(&Role::ALL, Role::as_str, "root");
    }

    #[test]
    fn every_action_round_trips_through_its_name() {
        round_trips(&AuditAction::ALL, AuditAction::as_str, "drop_tables");
    }
}
