//! The rule that an installation always keeps an administrator.

/// The administrators as a change of one account (its roles, or its deletion) leaves them,
/// counted inside that change's own transaction, so no concurrent change slips between the
/// count and the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdminTally {
    /// Whether the account being changed held the admin role before the change.
    pub target_was_admin: bool,
    /// Accounts holding the admin role once the change is applied.
    pub remaining: u64,
}

impl AdminTally {
    /// A change may take the admin role away (by a role change or a deletion) only while
    /// another administrator remains. A change that takes no administrator away is never
    /// refused by this rule.
    pub fn keeps_an_administrator(self) -> bool {
        !self.target_was_admin || self.remaining > 0
    }
}

#[cfg(test)]
mod tests {
    use super::AdminTally;

    #[test]
    fn only_taking_away_the_last_administrator_is_refused() {
        let tally = |target_was_admin, remaining| AdminTally {
            target_was_admin,
            remaining,
        };
        assert!(!tally(true, 0).keeps_an_administrator());
        assert!(tally(true, 1).keeps_an_administrator());
        assert!(tally(false, 3).keeps_an_administrator());
        // Not an administrator to begin with: nothing is taken away.
        assert!(tally(false, 0).keeps_an_administrator());
    }
}
