"""Roadshows (路演 / 成果推介会): events and their lineup, registration desk, 1:1 meetings,
follow-up to deals and reminders. The solvers behind them are pure functions in `planning/`."""
