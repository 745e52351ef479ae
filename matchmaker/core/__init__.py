"""Shared infrastructure of the domain: errors, the audit log, jobs, signed links."""
