"""Achievements and needs: filing, editing, state changes, validity and renewal, browsing,
attachments."""
