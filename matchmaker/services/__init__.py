"""Use cases. Each operation takes a session and the acting user, changes state, flushes and
records what changed; the caller (a view, task or CLI command) commits once."""
