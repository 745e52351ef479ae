"""Match review: the pipeline of states, the staff queue, dashboards, the parties' answers."""
