"""Objections (异议) to awards during their 公示 period."""
