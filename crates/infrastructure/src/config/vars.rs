//! Reading settings from the environment: text as given, numbers only inside their documented
//! range. Every number read through [`Vars`] is recorded with its range, so one test tries the
//! out-of-range values of every numeric setting, and another checks the README states each range.
//!
//! A new numeric setting: a row `name: T = default, number("NAME", min..=max);` in its group's
//! `settings!` table (or `seconds`, `millis`; see `table.rs`), a README row whose meaning ends with `` `min..=max` ``, a line in
//! `.env.example`. The tests then cover it without further work.

use std::{cell::RefCell, fmt::Display, ops::RangeInclusive, str::FromStr, time::Duration};

use anyhow::bail;

/// A numeric setting and its valid range (inclusive), as read by [`Vars`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumericSetting {
    pub name: String,
    pub min: String,
    pub max: String,
}

impl NumericSetting {
    /// The range as the README and the start-up errors write it: `min..=max`.
    pub fn range(&self) -> String {
        format!("{}..={}", self.min, self.max)
    }
}

/// The environment (or any look-up standing for it) as settings read it.
pub struct Vars<'a> {
    get: &'a dyn Fn(&str) -> Option<String>,
    numeric: RefCell<Vec<NumericSetting>>,
}

impl<'a> Vars<'a> {
    pub fn new(get: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Self {
            get,
            numeric: RefCell::new(Vec::new()),
        }
    }

    /// The value of `name`; unset and blank are the same (take the default).
    pub fn text(&self, name: &str) -> Option<String> {
        (self.get)(name).filter(|v| !v.trim().is_empty())
    }

    /// A whole number in `range`, or `default` when unset.
    pub fn number<T>(&self, name: &str, default: T, range: RangeInclusive<T>) -> anyhow::Result<T>
    where
        T: FromStr + PartialOrd + Display,
    {
        Ok(self.optional_number(name, range)?.unwrap_or(default))
    }

    /// A whole number in `range`, or `None` when unset (a default computed elsewhere).
    pub fn optional_number<T>(
        &self,
        name: &str,
        range: RangeInclusive<T>,
    ) -> anyhow::Result<Option<T>>
    where
        T: FromStr + PartialOrd + Display,
    {
        let (min, max) = (range.start().to_string(), range.end().to_string());
        self.numeric.borrow_mut().push(NumericSetting {
            name: name.to_owned(),
            min: min.clone(),
            max: max.clone(),
        });
        let Some(raw) = self.text(name) else {
            return Ok(None);
        };
        match raw.trim().parse::<T>() {
            Ok(n) if range.contains(&n) => Ok(Some(n)),
            _ => bail!("{name}: expected a whole number in {min}..={max}, got '{raw}'"),
        }
    }

    /// A duration in whole seconds, in `range`, or `default` when unset.
    pub fn seconds(
        &self,
        name: &str,
        default: Duration,
        range: RangeInclusive<u64>,
    ) -> anyhow::Result<Duration> {
        self.number(name, default.as_secs(), range)
            .map(Duration::from_secs)
    }

    /// Replaces `value` (the setting's default) with `name`'s whole number in `range`, when
    /// it is set.
    pub fn read<T>(&self, value: &mut T, name: &str, range: RangeInclusive<T>) -> anyhow::Result<()>
    where
        T: FromStr + PartialOrd + Display,
    {
        self.read_as(value, name, range, |n| n)
    }

    /// [`Vars::read`] for a duration in whole seconds.
    pub fn read_seconds(
        &self,
        value: &mut Duration,
        name: &str,
        range: RangeInclusive<u64>,
    ) -> anyhow::Result<()> {
        self.read_as(value, name, range, Duration::from_secs)
    }

    /// [`Vars::read`] with the number converted (`Duration::from_millis`).
    pub fn read_as<T, N>(
        &self,
        value: &mut T,
        name: &str,
        range: RangeInclusive<N>,
        convert: impl FnOnce(N) -> T,
    ) -> anyhow::Result<()>
    where
        N: FromStr + PartialOrd + Display,
    {
        if let Some(n) = self.optional_number(name, range)? {
            *value = convert(n);
        }
        Ok(())
    }

    /// `name` parsed as a `T`, or `None` when unset; a value that does not parse is refused
    /// with `name: expected {expected}, got '{raw}'`.
    pub fn parsed<T>(&self, name: &str, expected: &str) -> anyhow::Result<Option<T>>
    where
        T: FromStr,
        anyhow::Error: From<T::Err>,
    {
        let Some(raw) = self.text(name) else {
            return Ok(None);
        };
        match raw.trim().parse::<T>() {
            Ok(value) => Ok(Some(value)),
            Err(err) => Err(anyhow::Error::from(err)
                .context(format!("{name}: expected {expected}, got '{raw}'"))),
        }
    }

    /// Every numeric setting read so far, with its range.
    pub fn numeric_settings(&self) -> Vec<NumericSetting> {
        self.numeric.borrow().clone()
    }
}

/// Runs `load` on the variables `pairs` (the settings files' unit tests).
#[cfg(test)]
pub(crate) fn load_from<T>(
    pairs: &[(&str, &str)],
    load: impl FnOnce(&Vars) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    };
    load(&Vars::new(&get))
}

/// Asserts that `load` refuses each `(name, value)` set alone, with an error naming `name`.
#[cfg(test)]
pub(crate) fn assert_each_refused<T: std::fmt::Debug>(
    bad: &[(&str, &str)],
    load: impl Fn(&Vars) -> anyhow::Result<T>,
) {
    for &(name, value) in bad {
        let err = load_from(&[(name, value)], &load).expect_err("must fail");
        assert!(
            format!("{err:#}").contains(name),
            "{err:#} should name {name}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_outside_their_range_name_the_variable_and_the_range() {
        let get = |name: &str| (name == "N").then(|| "0".to_owned());
        let vars = Vars::new(&get);
        let err = vars
            .number("N", 5u32, 1..=10)
            .expect_err("0 is out of range");
        assert_eq!(
            err.to_string(),
            "N: expected a whole number in 1..=10, got '0'"
        );
        assert_eq!(vars.number("UNSET", 5u32, 1..=10).expect("default"), 5);
        assert_eq!(vars.numeric_settings()[1].range(), "1..=10");
    }

    #[test]
    fn blank_is_unset() {
        let get = |_: &str| Some("  ".to_owned());
        let vars = Vars::new(&get);
        assert_eq!(vars.text("X"), None);
        assert_eq!(
            vars.optional_number::<usize>("X", 1..=2).expect("unset"),
            None
        );
    }
}
