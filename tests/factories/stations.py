"""Factory fixtures: stations."""
