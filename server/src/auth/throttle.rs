//! Login throttling per client address and per email, with governor's keyed
//! GCRA limiters. Every attempt spends a cell; a burst of the configured size
//! is allowed, then one attempt per `60 / n` seconds.

use std::{net::IpAddr, num::NonZeroU32, sync::Arc, time::Duration};

use governor::{DefaultKeyedRateLimiter, Quota, clock::Clock};

use crate::error::{ServiceError, ServiceResult};

#[derive(Clone)]
pub struct LoginThrottle {
    by_address: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    by_email: Arc<DefaultKeyedRateLimiter<String>>,
}

impl LoginThrottle {
    pub fn new(attempts_per_minute: u32) -> Self {
        // An address may host several people (an office NAT): give it more room than one email.
        Self::with_quotas(attempts_per_minute, attempts_per_minute.saturating_mul(4))
    }

    /// `per_email` and `per_address` attempts per minute.
    pub fn with_quotas(per_email: u32, per_address: u32) -> Self {
        let per_minute = |n: u32| NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_minute(per_minute(per_email));
        let address_quota = Quota::per_minute(per_minute(per_address));
        Self { by_address: Arc::new(DefaultKeyedRateLimiter::keyed(address_quota)), by_email: Arc::new(DefaultKeyedRateLimiter::keyed(quota)) }
    }

    /// Spends one attempt for this address and email, or says how long to wait.
    pub fn check(&self, address: IpAddr, email: &str) -> ServiceResult<()> {
        let clock = governor::clock::DefaultClock::default();
        let wait = |not_until: governor::NotUntil<_>| not_until.wait_time_from(clock.now());
        let result = self.by_address.check_key(&address).map_err(wait).and_then(|_| self.by_email.check_key(&email.trim().to_lowercase()).map_err(wait));
        result.map_err(|wait: Duration| ServiceError::RateLimited { retry_after_secs: wait.as_secs().max(1) })
    }

    /// Drops state of keys whose limits have refilled, to bound memory.
    pub fn sweep(&self) {
        self.by_address.retain_recent();
        self.by_email.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_burst_then_refuses_with_a_wait() {
        let throttle = LoginThrottle::new(2);
        let address: IpAddr = [10, 0, 0, 1].into();
        throttle.check(address, "a@example.com").expect("first");
        throttle.check(address, "A@example.com ").expect("second (same email, normalised)");
        match throttle.check(address, "a@example.com") {
            Err(ServiceError::RateLimited { retry_after_secs }) => assert!(retry_after_secs >= 1),
            other => panic!("expected RATE_LIMITED, got {other:?}"),
        }
        throttle.check(address, "b@example.com").expect("another email has its own allowance");
    }
}
