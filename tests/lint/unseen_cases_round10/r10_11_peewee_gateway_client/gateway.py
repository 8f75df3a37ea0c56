# expect: side-effect-in-transaction
# pattern: a payment-gateway client class wraps httpx in its own module. The caller runs
#          capture() inside peewee's db.atomic(), so after a rollback the money stays
#          captured while no Payment row records it.
import httpx


class PaymentGateway:
    def __init__(self, base_url, api_key):
        self._http = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {api_key}"}, timeout=10)

    def capture(self, authorization_id, amount_cents):
        response = self._http.post(f"/authorizations/{authorization_id}/capture", json={"amount": amount_cents})  # expect-line
        response.raise_for_status()
        return response.json()["capture_id"]
