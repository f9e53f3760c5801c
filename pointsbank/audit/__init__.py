"""The audit log: who did what to whom, sealed by a hash chain."""
