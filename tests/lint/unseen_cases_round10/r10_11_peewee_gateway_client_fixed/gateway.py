# expect: none
# fixed shape for r10_11: the client is unchanged. orders.py now captures before the
#          transaction and records the result in a short db.atomic() block.
import httpx


class PaymentGateway:
    def __init__(self, base_url, api_key):
        self._http = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {api_key}"}, timeout=10)

    def capture(self, authorization_id, amount_cents):
        response = self._http.post(f"/authorizations/{authorization_id}/capture", json={"amount": amount_cents})
        response.raise_for_status()
        return response.json()["capture_id"]
