"""People and organisations: sign-up, sign-in throttling, API tokens."""
