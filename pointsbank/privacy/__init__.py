"""People's rights and records: the privacy notice and consent, export, erasure and service certificates."""
