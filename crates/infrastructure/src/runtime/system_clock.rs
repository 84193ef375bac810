//! `Clock` from the system time, at microsecond precision (what PostgreSQL keeps).

use application::ports::Clock;
use chrono::{DateTime, SubsecRound, Utc};

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }
}
