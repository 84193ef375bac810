//! `settings!`: a group of settings declared as one table, a row per setting: its field, type,
//! default and how it is read. The struct, its `Default` and its `from_vars` come from the
//! table, so a new setting is one row (plus its README row and `.env.example` line).
//!
//! How a row is read:
//! - `number(NAME, min..=max)`: a whole number in the range;
//! - `seconds(NAME, min..=max)` / `millis(NAME, min..=max)`: a duration in those units;
//! - `parsed(NAME, "what is expected")`: any `FromStr` value (addresses);
//! - `with(read)`: `read(&Vars) -> anyhow::Result<T>`, for text (lists, URLs): the reader
//!   gives the default itself when its variable is unset.
//!
//! Unset variables keep the default; every number is recorded with its range by [`Vars`].

/// Declares a settings struct from its table; see the module documentation.
macro_rules! settings {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[doc = $doc:literal])*
                $field:ident: $ty:ty = $default:expr, $how:ident($($arg:tt)*);
            )*
        }
    ) => {
        $(#[$meta])*
        pub struct $name {
            $( $(#[doc = $doc])* pub $field: $ty, )*
        }

        impl Default for $name {
            fn default() -> Self {
                Self { $( $field: $default, )* }
            }
        }

        impl $name {
            /// Each number is checked against its range (see `vars.rs`); the README states them.
            pub(crate) fn from_vars(vars: &$crate::config::Vars) -> anyhow::Result<Self> {
                let mut s = Self::default();
                $( $crate::config::table::read_row!(vars, s.$field, $how($($arg)*)); )*
                Ok(s)
            }
        }
    };
}

/// Reads one row of a [`settings!`] table into its field.
macro_rules! read_row {
    ($vars:ident, $place:expr, number($name:literal, $range:expr)) => {
        $vars.read(&mut $place, $name, $range)?
    };
    ($vars:ident, $place:expr, seconds($name:literal, $range:expr)) => {
        $vars.read_seconds(&mut $place, $name, $range)?
    };
    ($vars:ident, $place:expr, millis($name:literal, $range:expr)) => {
        $vars.read_as(&mut $place, $name, $range, std::time::Duration::from_millis)?
    };
    ($vars:ident, $place:expr, parsed($name:literal, $expected:literal)) => {
        if let Some(value) = $vars.parsed($name, $expected)? {
            $place = value;
        }
    };
    ($vars:ident, $place:expr, with($read:expr)) => {
        $place = $read($vars)?
    };
}

pub(crate) use {read_row, settings};
