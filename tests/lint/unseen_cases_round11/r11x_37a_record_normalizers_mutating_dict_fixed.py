# expect: none
# fixed shape: normalize_phone returns a cleaned copy like the other normalizers
import re


def normalize_email(record: dict) -> dict:
    return {**record, "email": record["email"].strip().lower()}


def normalize_name(record: dict) -> dict:
    return {**record, "name": " ".join(record["name"].split())}


def normalize_phone(record: dict) -> dict:
    return {**record, "phone": re.sub(r"[^0-9+]", "", record.get("phone", ""))}


def normalize_country(record: dict) -> dict:
    return {**record, "country": record.get("country", "").upper()[:2]}
