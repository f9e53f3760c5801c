"""Scheduled jobs: one scheduler, a lock per job run, every run recorded."""
