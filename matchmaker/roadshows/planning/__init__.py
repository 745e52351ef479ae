"""Roadshow planning as pure functions (no database): lineup, meeting schedule, roster,
time slots."""
