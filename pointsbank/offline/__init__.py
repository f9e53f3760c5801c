"""Offline redemption: enrolled phones show codes with no network; a counter decides alone and syncs later."""


def register() -> None:
    """Let every counter read offline pay codes (stations stay unaware of this package)."""
    from pointsbank.offline.devices import read_offline_code
    from pointsbank.stations import codes

    if read_offline_code not in codes.READERS:
        codes.READERS.append(read_offline_code)
