"""Factory fixtures: reports."""
