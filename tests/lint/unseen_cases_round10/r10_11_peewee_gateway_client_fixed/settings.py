import os

GATEWAY_URL = os.environ.get("GATEWAY_URL", "https://pay.example.com/v2")
GATEWAY_KEY = os.environ["GATEWAY_KEY"]
