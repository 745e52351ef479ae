"""Saved searches and their e-mail digests."""
