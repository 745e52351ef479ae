"""Bulk import of achievements from Excel or CSV: read, validate row by row, import as a job."""
