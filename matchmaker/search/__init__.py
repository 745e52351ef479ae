"""Search: turning listings into index documents, keeping the index in step with the database,
and querying it. The database stays the source of truth; the index can always be rebuilt."""
