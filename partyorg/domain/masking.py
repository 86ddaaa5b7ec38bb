"""Masking of personal data for people and printouts that may not see it whole."""


def mask_id_number(value: str) -> str:
    """Keep the first 6 and last 4 characters: 620202********123X."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """Keep the first 3 and last 4 digits: 139****1234."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
