"""Ranking achievement–need pairs: candidates, fusion, compatibility, feedback, explanation."""
