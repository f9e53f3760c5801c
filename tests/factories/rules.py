"""Factory fixtures: rules."""
