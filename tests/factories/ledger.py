"""Factory fixtures: ledger."""
