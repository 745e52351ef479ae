"""Roadshow (路演 / 成果推介会) domain logic: plain dataclasses in and out, no web, no database.

- `lineup`: which achievements present, chosen to cover the most open needs.
- `schedule`: 1:1 meetings placed in (slot, table) without conflicts.
- `registration`: capacity, automatic waitlist and check-in codes.
- `timeslots`: slot instants from the event's local start time.
"""
