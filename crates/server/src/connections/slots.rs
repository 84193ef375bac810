//! Open connections per client address, at most `MAX_CONNECTIONS_PER_CLIENT`; trusted proxies
//! are not capped.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex, PoisonError},
};

use agora_http::budget_key;
use ipnet::IpNet;

/// Open connections per client, shared by every worker.
#[derive(Debug)]
pub struct ClientSlots {
    open: Mutex<HashMap<String, usize>>,
    per_client: usize,
    ipv6_prefix: u8,
    /// Proxies carry many clients on their connections; they are not capped.
    exempt: Vec<IpNet>,
}

/// One open connection of a client; the slot is given back when it drops.
#[derive(Debug)]
pub struct Slot {
    slots: Arc<ClientSlots>,
    key: Option<String>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let mut open = self.slots.lock();
            if let Some(count) = open.get_mut(&key) {
                *count -= 1;
                if *count == 0 {
                    open.remove(&key);
                }
            }
        }
    }
}

impl ClientSlots {
    pub fn new(per_client: usize, ipv6_prefix: u8, exempt: Vec<IpNet>) -> Arc<Self> {
        Arc::new(Self {
            open: Mutex::new(HashMap::new()),
            per_client,
            ipv6_prefix,
            exempt,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, usize>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A slot for one more connection from `peer`, or `None` when it holds all of its own.
    pub fn acquire(self: &Arc<Self>, peer: IpAddr) -> Option<Slot> {
        // An IPv4 peer on a dual-stack listener arrives as `::ffff:a.b.c.d`.
        let peer = match peer {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(peer, IpAddr::V4),
            v4 => v4,
        };
        if self.exempt.iter().any(|net| net.contains(&peer)) {
            return Some(Slot {
                slots: self.clone(),
                key: None,
            });
        }
        let key = budget_key(peer, self.ipv6_prefix);
        let mut open = self.lock();
        let count = open.entry(key.clone()).or_default();
        if *count >= self.per_client {
            return None;
        }
        *count += 1;
        Some(Slot {
            slots: self.clone(),
            key: Some(key),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_client_gets_its_own_slots_and_proxies_are_not_capped() {
        let slots = ClientSlots::new(2, 64, vec!["10.0.0.0/8".parse().expect("range")]);
        let a: IpAddr = "192.0.2.1".parse().expect("ip");
        let first = slots.acquire(a).expect("first");
        let _second = slots.acquire(a).expect("second");
        assert!(slots.acquire(a).is_none(), "a third is refused");
        assert!(slots.acquire("192.0.2.2".parse().expect("ip")).is_some());
        drop(first);
        assert!(
            slots.acquire(a).is_some(),
            "a closed connection frees its slot"
        );
        for proxy in ["10.1.2.3", "::ffff:10.1.2.3"] {
            let proxy: IpAddr = proxy.parse().expect("ip");
            let held: Vec<_> = (0..5).map(|_| slots.acquire(proxy)).collect();
            assert!(
                held.iter().all(Option::is_some),
                "{proxy} is a trusted proxy"
            );
        }
        let v6 = |s: &str| -> IpAddr { s.parse().expect("ip") };
        let _x = slots.acquire(v6("2001:db8::1")).expect("x");
        let _y = slots.acquire(v6("2001:db8::2")).expect("y");
        assert!(
            slots.acquire(v6("2001:db8::3")).is_none(),
            "one /64 is one client"
        );
    }
}
