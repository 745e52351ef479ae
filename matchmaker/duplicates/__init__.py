"""Saving the same thing twice: double-submit guard, near-duplicate flags, merging."""
