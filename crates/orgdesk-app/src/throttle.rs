//! Sign-in throttling: each account may be tried a few times a minute, so a password
//! cannot be guessed at the speed of the server. Kept per account (not per address), so
//! it holds behind proxies and against attackers spread over many addresses.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use orgdesk_core::{Error, Result};
use std::num::NonZeroU32;

/// Attempts allowed per account in a burst; one more comes back every six seconds.
const ATTEMPTS_PER_MINUTE: u32 = 10;
/// Accounts remembered before the idle ones are forgotten.
const TRACKED_ACCOUNTS: usize = 100_000;

pub(crate) struct SignInThrottle {
    limiter: DefaultKeyedRateLimiter<String>,
}

impl std::fmt::Debug for SignInThrottle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInThrottle")
            .field("tracked", &self.limiter.len())
            .finish()
    }
}

impl SignInThrottle {
    pub(crate) fn new() -> Self {
        let per_minute = NonZeroU32::new(ATTEMPTS_PER_MINUTE).expect("not zero");
        Self {
            limiter: RateLimiter::keyed(Quota::per_minute(per_minute)),
        }
    }

    /// Counts one attempt on `account`; refused once its allowance is spent.
    pub(crate) fn attempt(&self, account: String) -> Result<()> {
        if self.limiter.len() > TRACKED_ACCOUNTS {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&account).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            Error::TooManyAttempts {
                retry_after_secs: wait.as_secs().max(1),
            }
        })
    }
}
