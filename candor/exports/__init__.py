"""Backups: `candor export PATH` writes the whole site's data, `candor restore PATH` loads it."""
