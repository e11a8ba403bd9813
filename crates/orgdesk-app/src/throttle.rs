//! Sign-in and registration throttling, so passwords cannot be guessed at the speed of
//! the server and accounts cannot be created in bulk.
//!
//! Sign-in attempts are counted twice: per account *and source address* (a few a
//! minute), and per source address over all accounts (more, for offices behind one
//! address). So one client can neither guess one account's password quickly nor spray
//! a common password across many accounts, and an attacker hammering an account locks
//! it only for themselves, not for its owner signing in from elsewhere. Registrations
//! are counted per source address. IPv6 addresses count per /64, the block one
//! subscriber usually holds.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use orgdesk_core::{Error, Result};
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;

/// Sign-in attempts on one account from one address: a burst, then one every 6 s.
pub const ATTEMPTS_PER_ACCOUNT_AND_ADDRESS_PER_MINUTE: u32 = 10;
/// Sign-in attempts from one address over all accounts: a burst, then one a second.
pub const ATTEMPTS_PER_ADDRESS_PER_MINUTE: u32 = 60;
/// Portal registrations from one address: a burst, then one every 6 minutes.
pub const REGISTRATIONS_PER_ADDRESS_PER_HOUR: u32 = 10;
/// Keys remembered per limiter before the idle ones are forgotten.
const TRACKED_KEYS: usize = 100_000;

/// One keyed limit: a quota per key, forgetting idle keys when too many pile up.
struct Limit<K: Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
}

impl<K: Hash + Eq + Clone> Limit<K> {
    fn new(quota: Quota) -> Self {
        Self {
            limiter: RateLimiter::keyed(quota),
        }
    }

    fn check(&self, key: &K) -> Result<()> {
        if self.limiter.len() > TRACKED_KEYS {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            Error::TooManyAttempts {
                retry_after_secs: wait.as_secs().max(1),
            }
        })
    }
}

pub(crate) struct Throttle {
    per_account_and_address: Limit<(String, IpAddr)>,
    per_address: Limit<IpAddr>,
    registrations: Limit<IpAddr>,
}

impl std::fmt::Debug for Throttle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throttle")
            .field("accounts", &self.per_account_and_address.limiter.len())
            .field("addresses", &self.per_address.limiter.len())
            .finish()
    }
}

fn non_zero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).expect("quotas are not zero")
}

/// The address as counted: IPv6 reduced to its /64 block.
fn source_key(from: IpAddr) -> IpAddr {
    match from {
        IpAddr::V4(_) => from,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let block = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(Ipv6Addr::from(block))
            }
        },
    }
}

impl Throttle {
    pub(crate) fn new() -> Self {
        let per_hour = Quota::per_hour(non_zero(REGISTRATIONS_PER_ADDRESS_PER_HOUR))
            .allow_burst(non_zero(REGISTRATIONS_PER_ADDRESS_PER_HOUR));
        Self {
            per_account_and_address: Limit::new(Quota::per_minute(non_zero(
                ATTEMPTS_PER_ACCOUNT_AND_ADDRESS_PER_MINUTE,
            ))),
            per_address: Limit::new(Quota::per_minute(non_zero(ATTEMPTS_PER_ADDRESS_PER_MINUTE))),
            registrations: Limit::new(per_hour),
        }
    }

    /// Counts one sign-in attempt (or current-password check) on `account` from `from`;
    /// refused once either allowance is spent.
    pub(crate) fn sign_in(&self, account: String, from: IpAddr) -> Result<()> {
        let from = source_key(from);
        self.per_address.check(&from)?;
        self.per_account_and_address.check(&(account, from))
    }

    /// Counts one portal registration from `from`.
    pub(crate) fn registration(&self, from: IpAddr) -> Result<()> {
        self.registrations.check(&source_key(from))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_count_per_64_block() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(source_key(a), source_key(b));
        assert_ne!(source_key(a), source_key(other));
    }

    #[test]
    fn ipv4_mapped_addresses_count_as_ipv4() {
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(source_key(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn one_address_spraying_many_accounts_is_stopped() {
        let throttle = Throttle::new();
        let from: IpAddr = "192.0.2.1".parse().unwrap();
        let allowed = (0..ATTEMPTS_PER_ADDRESS_PER_MINUTE + 5)
            .filter(|n| throttle.sign_in(format!("user{n}"), from).is_ok())
            .count();
        assert_eq!(allowed, ATTEMPTS_PER_ADDRESS_PER_MINUTE as usize);
    }

    #[test]
    fn an_account_hammered_from_one_address_stays_open_from_another() {
        let throttle = Throttle::new();
        let attacker: IpAddr = "198.51.100.1".parse().unwrap();
        let owner: IpAddr = "203.0.113.5".parse().unwrap();
        for _ in 0..ATTEMPTS_PER_ACCOUNT_AND_ADDRESS_PER_MINUTE {
            throttle.sign_in("victim".into(), attacker).unwrap();
        }
        assert!(throttle.sign_in("victim".into(), attacker).is_err());
        assert!(throttle.sign_in("victim".into(), owner).is_ok());
    }
}
