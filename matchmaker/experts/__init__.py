"""Expertise profiles (专家档案) and need ↔ expert matching."""
