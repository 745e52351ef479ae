"""In-app notifications and e-mail through the outbox."""
