import requests

CRM_URL = "https://crm.example.invalid/hooks/orders"


def notify_crm(order_id, event):
    requests.post(CRM_URL, json={"order": order_id, "event": event}, timeout=5)
