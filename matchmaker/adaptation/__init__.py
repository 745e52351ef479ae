"""Adapting the embedding model to the platform's own listings (issue 23): training pairs from
published listings, a label-free self-check, the switch to the adapted model and its rollback."""
