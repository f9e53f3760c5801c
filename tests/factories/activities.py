"""Factory fixtures: activities."""
