"""Fraud signals for coordinators: unusual patterns measured against the community's norm."""
