"""Counters, flags and leases every API process must agree on (limits, deny-list, sessions)."""
