"""Ranking achievement–need pairs: candidates from search, compatibility, feedback, explanation;
proposals stored as Match rows."""
