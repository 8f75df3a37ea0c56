# expect: non-uniform-interface
# pattern: the import normalizers each return a cleaned copy of the record, except
#          normalize_phone, which edits the dict it is given and returns None, so
#          "record = normalize_phone(record)" in the pipeline drops the record.
import re


def normalize_email(record: dict) -> dict:
    return {**record, "email": record["email"].strip().lower()}


def normalize_name(record: dict) -> dict:
    return {**record, "name": " ".join(record["name"].split())}


def normalize_phone(record: dict) -> None:  # expect-line
    record["phone"] = re.sub(r"[^0-9+]", "", record.get("phone", ""))


def normalize_country(record: dict) -> dict:
    return {**record, "country": record.get("country", "").upper()[:2]}
