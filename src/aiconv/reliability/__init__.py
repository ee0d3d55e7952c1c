"""Generic reliability mechanisms: clock, retry, circuit breaker, rate limit; no domain."""
